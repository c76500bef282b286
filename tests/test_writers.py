"""The two writers have one behaviour: same files, skip what is unchanged, delete only what they
wrote before. S3 runs under moto."""

from __future__ import annotations

from datetime import date

import boto3
import pytest
from moto import mock_aws

from generator import manifest
from generator.media import content_type
from generator.writers import MANIFEST, FolderWriter, S3Writer, WriteError, open_writer

FIRST = {
    "index.html": b"<h1>home</h1>",
    "week/2026-W49/index.html": b"<h1>week</h1>",
    "week/2027-W11/index.html": b"<h1>far</h1>",
    "events.ics": b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
    "static/site.abc123.css": b"body{}",
    "sitemap.xml": b"<urlset/>",
    "newsletter.txt": b"text",
}
SECOND = {k: v for k, v in FIRST.items() if k != "week/2027-W11/index.html"} | {
    "index.html": b"<h1>home, changed</h1>"
}


def publish(writer, files):
    for path, data in files.items():
        writer.write(path, data)
    return writer.finish()


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket="site")
        yield client


def objects(client, prefix="") -> dict[str, bytes]:
    listing = client.list_objects_v2(Bucket="site", Prefix=prefix).get("Contents", [])
    return {
        o["Key"]: client.get_object(Bucket="site", Key=o["Key"])["Body"].read() for o in listing
    }


def count_puts(client) -> list[str]:
    keys: list[str] = []
    client.meta.events.register(
        "before-parameter-build.s3.PutObject", lambda params, **_: keys.append(params["Key"])
    )
    return keys


def test_folder_writer_writes_skips_and_deletes_only_its_own_files(tmp_path):
    (tmp_path / "week").mkdir()
    (tmp_path / "week/notes.txt").write_text("someone else's")
    first = publish(FolderWriter(tmp_path), FIRST)
    assert (first.written, first.unchanged, first.deleted) == (len(FIRST), 0, 0)
    assert (tmp_path / "week/2026-W49/index.html").read_bytes() == b"<h1>week</h1>"
    stamp = (tmp_path / "events.ics").stat().st_mtime_ns
    second = publish(FolderWriter(tmp_path), SECOND)
    assert (second.written, second.unchanged, second.deleted) == (1, len(SECOND) - 1, 1)
    assert (tmp_path / "events.ics").stat().st_mtime_ns == stamp  # not rewritten
    assert not (tmp_path / "week/2027-W11").exists()  # the emptied folder went too
    assert (tmp_path / "week/notes.txt").read_text() == "someone else's"
    assert sorted(manifest.parse((tmp_path / MANIFEST).read_bytes())) == sorted(SECOND)
    again = publish(FolderWriter(tmp_path), SECOND)
    assert (again.written, again.deleted) == (0, 0)


def test_folder_writer_repairs_a_file_edited_by_hand(tmp_path):
    publish(FolderWriter(tmp_path), FIRST)
    (tmp_path / "index.html").write_bytes(b"tampered")
    assert publish(FolderWriter(tmp_path), FIRST).written == 1
    assert (tmp_path / "index.html").read_bytes() == FIRST["index.html"]


def test_s3_writer_sets_headers_skips_unchanged_and_deletes_only_its_own_keys(s3):
    s3.put_object(Bucket="site", Key="week/uploaded-by-hand.html", Body=b"keep me")
    first = publish(S3Writer("site"), FIRST)
    assert (first.written, first.deleted) == (len(FIRST), 0)
    stored = objects(s3)
    assert {k: v for k, v in stored.items() if k in FIRST} == FIRST
    heads = {key: s3.head_object(Bucket="site", Key=key) for key in FIRST}
    assert heads["events.ics"]["ContentType"] == "text/calendar; charset=utf-8"
    assert heads["index.html"]["ContentType"] == "text/html; charset=utf-8"
    assert heads["sitemap.xml"]["ContentType"] == "application/xml; charset=utf-8"
    assert heads["static/site.abc123.css"]["CacheControl"] == "public, max-age=31536000, immutable"
    assert heads["index.html"]["CacheControl"] == "public, max-age=300"
    assert "max-age=" in heads["events.ics"]["CacheControl"]

    writer = S3Writer("site")
    puts = count_puts(writer.client)
    second = publish(writer, SECOND)
    assert sorted(puts) == [MANIFEST, "index.html"] and second.deleted == 1
    assert "week/2027-W11/index.html" not in objects(s3)
    assert objects(s3)["week/uploaded-by-hand.html"] == b"keep me"

    writer = S3Writer("site")
    puts = count_puts(writer.client)
    third = publish(writer, SECOND)
    assert puts == [] and (third.written, third.deleted) == (0, 0)


def test_s3_writer_under_a_prefix_and_the_folder_writer_produce_the_same_files(s3, tmp_path):
    s3.put_object(Bucket="site", Key="other/index.html", Body=b"another site")
    publish(S3Writer("site", prefix="/preview/"), FIRST)
    publish(FolderWriter(tmp_path), FIRST)
    in_s3 = {k.removeprefix("preview/"): v for k, v in objects(s3, "preview/").items()}
    on_disk = {
        str(p.relative_to(tmp_path)): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()
    }
    assert in_s3 == on_disk
    assert objects(s3, "other/") == {"other/index.html": b"another site"}


@pytest.mark.parametrize("path", ["/etc/passwd", "../outside.html", "a/../../b", MANIFEST, ""])
def test_writers_refuse_paths_outside_the_site(tmp_path, path):
    with pytest.raises(ValueError):
        FolderWriter(tmp_path).write(path, b"x")


def test_a_path_written_twice_in_one_build_is_a_bug(tmp_path):
    writer = FolderWriter(tmp_path)
    writer.write("index.html", b"a")
    with pytest.raises(ValueError, match="twice"):
        writer.write("index.html", b"b")


def test_open_writer_picks_by_option(tmp_path):
    assert isinstance(open_writer(str(tmp_path), None), FolderWriter)
    assert isinstance(open_writer(None, "bucket"), S3Writer)
    with pytest.raises(ValueError):
        open_writer(None, None)


def test_content_types():
    assert content_type("a/events.ics") == "text/calendar; charset=utf-8"
    assert content_type("newsletter.txt") == "text/plain; charset=utf-8"
    assert content_type("static/site.x.css") == "text/css; charset=utf-8"


def test_a_failed_upload_raises_before_anything_is_deleted(s3, monkeypatch):
    publish(S3Writer("site"), FIRST)
    writer = S3Writer("site")

    def broken(path, data):
        raise ConnectionError("S3 went away")

    monkeypatch.setattr(writer, "_upload", broken)
    with pytest.raises(ConnectionError):
        publish(writer, SECOND)
    assert "week/2027-W11/index.html" in objects(s3)  # still there: the manifest is unchanged
    assert sorted(manifest.parse(objects(s3)[MANIFEST])) == sorted(FIRST)


@pytest.fixture(params=["folder", "s3"])
def make_writer(request, tmp_path):
    """A factory of writers of one target, a folder or a bucket under moto."""
    if request.param == "folder":
        yield lambda: FolderWriter(tmp_path / "site")
        return
    with mock_aws():
        boto3.client("s3").create_bucket(Bucket="site")
        yield lambda: S3Writer("site")


def test_a_file_made_from_the_same_digest_is_current_and_costs_nothing(make_writer):
    first = make_writer()
    first.write("events/a/index.html", b"<h1>a</h1>", digest="d1")
    first.write("index.html", b"<h1>home</h1>")
    first.finish()

    second = make_writer()
    assert second.current("events/a/index.html", "d1")
    assert not second.current("index.html", "d1")  # no digest recorded for it
    second.write("index.html", b"<h1>home</h1>")
    stats = second.finish()
    assert (stats.written, stats.unchanged, stats.deleted) == (0, 2, 0)

    third = make_writer()
    assert not third.current("events/a/index.html", "d2")  # made from something else now
    third.write("events/a/index.html", b"<h1>a, changed</h1>", digest="d2")
    assert third.finish().written == 1  # index.html went: neither produced nor kept
    assert manifest.parse(third._get(MANIFEST)) == {"events/a/index.html": manifest.Entry("d2")}


def test_a_current_digest_whose_file_went_missing_is_rendered_again(tmp_path):
    first = FolderWriter(tmp_path)
    first.write("events/a/index.html", b"a", digest="d1")
    first.finish()
    (tmp_path / "events/a/index.html").unlink()
    assert not FolderWriter(tmp_path).current("events/a/index.html", "d1")


def test_kept_files_stay_with_their_reason_and_the_day_they_were_last_produced(make_writer):
    first = make_writer()
    for path in ("events/a/index.html", "events/b/index.html"):
        first.write(path, b"page", digest="d")
    first.finish()

    second = make_writer()
    second.write("events/b/index.html", b"page", digest="d")
    second.keep("events/a/index.html", "the event ended", today=date(2026, 12, 2))
    stats = second.finish()
    assert (stats.deleted, stats.kept) == (0, 1)
    entries = manifest.parse(second._get(MANIFEST))
    assert entries["events/a/index.html"] == manifest.Entry("d", "the event ended", "2026-12-02")

    third = make_writer()  # kept again later: the day it was last produced does not move
    third.keep("events/a/index.html", "the event ended", today=date(2026, 12, 9))
    third.finish()
    assert manifest.parse(third._get(MANIFEST))["events/a/index.html"].since == "2026-12-02"
    assert third._get("events/a/index.html") == b"page"
    with pytest.raises(ValueError):
        make_writer().keep("never/written.html", "why", today=date(2026, 12, 9))


def test_a_version_1_manifest_is_read_and_a_foreign_one_refused(tmp_path):
    (tmp_path / MANIFEST).write_text('["index.html"]')
    (tmp_path / "index.html").write_text("old")
    assert FolderWriter(tmp_path).finish().deleted == 1
    (tmp_path / MANIFEST).write_text('{"someone": "else"}')
    with pytest.raises(WriteError, match="unknown format"):
        FolderWriter(tmp_path).finish()


def test_a_large_part_gets_a_manifest_of_its_own_and_a_small_one_folds_back(tmp_path, monkeypatch):
    monkeypatch.setattr(manifest, "OWN_FILE_AT", 3)
    files = {f"events/a{n}.ics": b"x" for n in range(3)} | {"index.html": b"i"}
    publish(FolderWriter(tmp_path), files)
    own = tmp_path / manifest.file_of("events-a")
    assert sorted(manifest.parse(own.read_bytes())) == [f"events/a{n}.ics" for n in range(3)]
    assert sorted(manifest.parse((tmp_path / MANIFEST).read_bytes())) == ["index.html"]
    second = publish(FolderWriter(tmp_path), {"events/a0.ics": b"x", "index.html": b"i"})
    assert second.deleted == 2 and not own.exists()  # below the size: back in the root
    assert sorted(manifest.parse((tmp_path / MANIFEST).read_bytes())) == [
        "events/a0.ics",
        "index.html",
    ]


@pytest.mark.parametrize("path", [".dctech-manifest.events-a.json", ".dctech-manifest.groups.json"])
def test_no_page_may_be_written_where_a_manifest_is(tmp_path, path):
    with pytest.raises(ValueError):
        FolderWriter(tmp_path).write(path, b"x")


def test_files_go_to_the_part_of_their_folder_and_an_odd_event_name_to_the_site_part():
    assert manifest.part_of("events/a0/index.html") == "events-a"
    assert manifest.part_of("groups/pydc/events.ics") == "groups"
    assert manifest.part_of("events/summit.ics") == manifest.SITE  # not a hex id: still built
    assert manifest.part_of("week/2026-W49/index.html") == manifest.SITE


def test_a_part_is_one_the_site_has(s3):
    with pytest.raises(ValueError, match="no part of the site"):
        S3Writer("site", part="events-z")
