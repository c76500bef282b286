"""The preview server: directory URLs, content types, the site's 404 page, no escape from the
folder, and /api/ handed to the given handler."""

from __future__ import annotations

import http.client
import shutil
import threading
from pathlib import Path

import pytest
from fixtures.events import build_fixture_site

from generator.preview import make_server


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_fixture_site(out)
    (out.parent / "secret.txt").write_text("outside the site")
    return out


@pytest.fixture(scope="module")
def server(site):
    calls = []

    def api(path: str, query: list[tuple[str, str]], method: str, headers: dict, client: str):
        assert client == "127.0.0.1", "the socket's address, for the per-address limits"
        calls.append((path, query))
        return 200, {"Content-Type": "application/json"}, b'{"events": []}'

    httpd = make_server(site, port=0, api_handler=api)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd, calls
    httpd.shutdown()
    httpd.server_close()


def get(server, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    httpd, _ = server
    connection = http.client.HTTPConnection("127.0.0.1", httpd.server_port, timeout=5)
    connection.request(method, path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, dict(response.getheaders()), body


def test_directory_urls_serve_their_index(server, site):
    status, headers, body = get(server, "/week/2026-W49/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert body == (site / "week/2026-W49/index.html").read_bytes()
    assert get(server, "/")[2] == (site / "index.html").read_bytes()


def test_a_folder_without_its_slash_redirects(server):
    status, headers, _ = get(server, "/week/2026-W49?x=1")
    assert status == 301 and headers["Location"] == "/week/2026-W49/?x=1"


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/events.ics", "text/calendar; charset=utf-8"),
        ("/sitemap.xml", "application/xml; charset=utf-8"),
        ("/newsletter.txt", "text/plain; charset=utf-8"),
        ("/robots.txt", "text/plain; charset=utf-8"),
    ],
)
def test_content_types(server, path, kind):
    status, headers, _ = get(server, path)
    assert (status, headers["Content-Type"]) == (200, kind)


def test_the_stylesheet_is_served_as_css(server, site):
    css = next((site / "static").glob("site.*.css")).name
    assert get(server, f"/static/{css}")[1]["Content-Type"] == "text/css; charset=utf-8"


@pytest.mark.parametrize(
    "path", ["/nope/", "/week/1999-W01/", "/../secret.txt", "/%2e%2e/secret.txt", "/a%00b"]
)
def test_misses_and_escapes_get_the_site_404_page(server, site, path):
    status, headers, body = get(server, path)
    assert status == 404 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert body == (site / "404.html").read_bytes()
    assert b"outside the site" not in body


@pytest.mark.parametrize("path", ["/{}/site/index.html", "/{}/site/", "/{}"])
def test_a_build_s_staging_folder_in_the_site_is_not_served(server, site, path):
    """A build that cannot swap the folder stages inside it (generator.writers.FolderWriter):
    that half-built copy is no part of the site, as no upload holds it."""
    name = ".dctech-staging-1-0a1b2c3d"
    (site / name / "site").mkdir(parents=True)
    (site / name / "site" / "index.html").write_text("half built")
    try:
        status, _, body = get(server, path.format(name))
    finally:
        shutil.rmtree(site / name)
    assert status == 404 and body == (site / "404.html").read_bytes()


def test_head_sends_headers_only(server, site):
    status, headers, body = get(server, "/events.ics", method="HEAD")
    assert status == 200 and body == b""
    assert int(headers["Content-Length"]) == (site / "events.ics").stat().st_size


def test_api_paths_go_to_the_api_handler(server):
    status, headers, body = get(server, "/api/events?state=DC&limit=5")
    assert status == 200 and body == b'{"events": []}'
    assert headers["Content-Type"] == "application/json"
    assert server[1][-1] == ("/api/events", [("state", "DC"), ("limit", "5")])


def test_blank_query_values_reach_the_api_so_it_can_refuse_them(server):
    """`?state=` must be a 400 from the API, as in Lambda, not silently dropped here."""
    _, calls = server
    get(server, "/api/events?state=&limit=5")
    assert calls[-1] == ("/api/events", [("state", ""), ("limit", "5")])


def test_without_an_api_handler_api_paths_are_misses(site):
    httpd = make_server(site, port=0)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        assert get((httpd, []), "/api/events")[0] == 404
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_the_write_path_gets_cloudfronts_policy_for_it(server):
    """Its forms may post only to the write path's targets, here at the preview's origin, so the
    browser tests run under the production policy (tests/test_infra.py compares the two)."""
    httpd, _ = server
    origin = f"http://127.0.0.1:{httpd.server_port}"
    for path in ("/submit/", "/submit-group/", "/auth/login", "/api/submissions"):
        policy = get(server, path)[1]["Content-Security-Policy"]
        targets = f"form-action {origin}/api/submissions {origin}/auth/logout;"
        assert targets in policy and "script-src 'none'" in policy, path
    assert "form-action 'self'" in get(server, "/api/events")[1]["Content-Security-Policy"]
