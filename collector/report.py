"""What `dctech collect` prints: a line per feed as it arrives, then a summary table."""

from __future__ import annotations

from collector.fetch import FetchResult
from collector.noise import SKIP_PHRASES, SUPPRESSED
from collector.run import CollectSummary

SKIP_REASONS = {SKIP_PHRASES: "by skip_phrases", SUPPRESSED: "by suppress_urls/suppress_uids"}

NO_NETWORK = """
No feed could be reached: every request failed before any server answered. That usually means
this machine has no network, or needs a proxy (set HTTPS_PROXY=http://HOST:PORT and run again),
or blocks outgoing HTTPS. The events already stored were kept. To see the site without a network,
run `make demo`: it builds a preview from the sample feeds in demo/."""


def feed_notes(cut: list[str], skipped: dict[str, int], note: str | None = None) -> str:
    """How the feed was reached when not as written (a webcal:// feed fetched in clear text),
    what a limit cut and what the group's own rules dropped, for one table cell."""
    notes = [f"fetched {note}"] if note else []
    notes += [f"cut: {c}" for c in cut]
    if skipped:
        dropped = (f"{n} {SKIP_REASONS.get(r, r)}" for r, n in sorted(skipped.items()))
        notes.append("skipped: " + ", ".join(dropped))
    return "; ".join(notes)


def print_progress(result: FetchResult) -> None:
    if result.not_modified:
        status = "unchanged (304)"
    elif result.ok:
        status = f"fetched (HTTP {result.http_status})" if result.http_status else "read"
    else:
        status = f"FAILED: {result.error}"  # a fallback's note is in the error already
    if result.ok and result.note:
        status += f" {result.note}"
    print(f"  {result.group_id:<40} {status}", flush=True)


def print_summary(summary: CollectSummary) -> None:
    width = max((len(o.group_id) for o in summary.outcomes), default=5)
    print()
    print(f"{'group':<{width}}  {'status':<9}  {'events':>6}  error")
    for o in sorted(summary.outcomes, key=lambda o: (o.status != "failed", o.group_id)):
        note = o.error or feed_notes(o.cut, o.skipped, o.note)
        print(f"{o.group_id:<{width}}  {o.status:<9}  {o.events:>6}  {note}".rstrip())
    failed = len(summary.failed)
    print(
        f"\ngroups: {len(summary.outcomes) - failed} ok, {failed} failed"
        f" | events: {summary.new} new, {summary.updated} updated,"
        f" {summary.unchanged} unchanged, {summary.dropped} dropped"
        f" | store writes: {summary.writes}"
    )
    if failed:
        print(f"warning: {failed} feed(s) failed; their stored events were kept")
    if failed > 1 and all(o.unreachable for o in summary.outcomes):
        print(NO_NETWORK)
    clear = sorted(o.group_id for o in summary.outcomes if o.note and o.status != "failed")
    if clear:
        print(
            f"note: {len(clear)} webcal:// feed(s) fetched over http://, in clear text, their"
            f" servers not speaking TLS: {', '.join(clear)}"
        )
    cut = sum(bool(o.cut) for o in summary.outcomes)
    if cut:
        print(f"warning: {cut} feed(s) were cut at a limit; see the table above or `dctech feeds`")
