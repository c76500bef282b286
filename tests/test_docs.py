"""The README is part of the interface: every command, option and environment variable the code
knows must be documented there (and the Quickstart stays two commands)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import dctech

REPO = Path(__file__).parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
ENV_READ = re.compile(r"""(?:environ(?:\.get)?\(|environ\[|getenv\()\s*["']([A-Z][A-Z0-9_]+)["']""")
CODE_DIRS = ("core", "collector", "generator", "api", "infra")


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = dctech._parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_subcommand_and_option_is_in_the_readme():
    missing = []
    for name, sub in subcommands().items():
        if f"dctech {name}" not in README:
            missing.append(f"dctech {name}")
        for action in sub._actions:
            missing += [o for o in action.option_strings if o.startswith("--") and o not in README]
    assert sorted(set(missing) - {"--help"}) == []


def code_env_vars() -> set[str]:
    files = [REPO / "dctech.py"]
    for d in CODE_DIRS:
        files += [p for p in (REPO / d).rglob("*.py") if "vendor" not in p.parts]
    found = set()
    for path in files:
        found.update(ENV_READ.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_environment_variable_the_code_reads_is_in_the_readme_table():
    documented = set(re.findall(r"^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|", README, re.M))
    assert code_env_vars() - documented == set()
    assert "DCTECH_STORE" in code_env_vars()  # the scanner itself finds what it should


def test_quickstart_is_two_commands():
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^\s*(make \S+|\S+ .*)$", section.split("```")[1], re.M)
    assert commands == ["make preview", "make test"]
