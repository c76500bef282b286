"""A newcomer's first run: a light install, advice when no feed can be reached, and a demo
that builds a preview with no network at all."""

from __future__ import annotations

import re
import socket
import tomllib

from conftest import REPO

import dctech

HEAVY = {"aws-cdk-lib", "cdk-nag", "cfn-lint", "moto", "playwright", "pytest", "hypothesis"}


def names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~ ]", r, maxsplit=1)[0].lower() for r in requirements}


def test_make_preview_installs_only_the_runtime_dependencies():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert not names(project["dependencies"]) & HEAVY
    extras = names([r for group in project["optional-dependencies"].values() for r in group])
    assert {"aws-cdk-lib", "playwright", "moto"} <= extras
    makefile = (REPO / "Makefile").read_text()
    recipe = makefile.split("$(VENV)/.installed: pyproject.toml", 1)[1].split("\n\n", 1)[0]
    assert "-e ." in recipe and "[test" not in recipe
    assert re.search(r"^preview: \$\(VENV\)/\.installed$", makefile, re.MULTILINE)
    assert re.search(r"^demo: \$\(VENV\)/\.installed$", makefile, re.MULTILINE)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_when_no_feed_can_be_reached_the_summary_says_why_and_what_to_try(tmp_path, capsys):
    port = closed_port()  # nothing listens: every request is refused, as with no network
    (tmp_path / "_groups").mkdir()
    for gid in ("pydc", "novajs", "civic"):
        (tmp_path / "_groups" / f"{gid}.yaml").write_text(
            f"name: {gid}\nwebsite: https://example.org/\nical: http://127.0.0.1:{port}/{gid}.ics\n"
        )
    store = f"sqlite:///{tmp_path}/events.db"
    argv = ["collect", "--store", store, "--groups", str(tmp_path / "_groups")]
    assert dctech.main([*argv, "--today", "2026-12-03"]) == 0
    out = capsys.readouterr().out
    assert "groups: 0 ok, 3 failed" in out
    assert "No feed could be reached" in out and "HTTPS_PROXY" in out and "make demo" in out


def test_an_http_error_is_no_reason_to_suspect_the_network(feed_server, tmp_path, capsys):
    (tmp_path / "_groups").mkdir()
    for gid in ("pydc", "novajs"):
        url = feed_server.route(f"/{gid}.ics", status=404)
        (tmp_path / "_groups" / f"{gid}.yaml").write_text(
            f"name: {gid}\nwebsite: https://example.org/\nical: {url}\n"
        )
    store = f"sqlite:///{tmp_path}/events.db"
    dctech.main(["collect", "--store", store, "--groups", str(tmp_path / "_groups")])
    out = capsys.readouterr().out
    assert "groups: 0 ok, 2 failed" in out and "No feed could be reached" not in out


def test_make_demo_builds_a_preview_from_the_bundled_feeds(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(REPO)  # the demo groups' feeds are paths in the repository
    makefile = (REPO / "Makefile").read_text()
    command = re.search(r"^demo:.*\n\t\$\(BIN\)/dctech (.*) \$\(ARGS\)$", makefile, re.MULTILINE)
    argv = command[1].replace("sqlite:///.dctech/demo.db", f"sqlite:///{tmp_path}/demo.db")
    site = tmp_path / "site"
    assert dctech.main([*argv.split(), "--out", str(site), "--today", "2026-12-03"]) == 0
    assert "groups: 3 ok, 0 failed" in capsys.readouterr().out
    home = (site / "index.html").read_text()
    assert "Python Project Night" in home and "Cloud Builders Monthly" in home
    assert "Lunchtime Study Group" in (site / "virtual" / "index.html").read_text()
    topic = (site / "topics" / "programming-languages" / "index.html").read_text()
    assert "Python Project Night" in topic  # the demo groups name their topics
