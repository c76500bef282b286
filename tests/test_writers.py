"""The two writers have one behaviour: same files, skip what is unchanged, delete only what they
wrote before. S3 runs under moto."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from generator.media import content_type
from generator.writers import MANIFEST, FolderWriter, S3Writer, open_writer

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
    assert json.loads((tmp_path / MANIFEST).read_text()) == sorted(SECOND)
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
    assert json.loads(objects(s3)[MANIFEST]) == sorted(FIRST)
