"""What `dctech collect` prints: a line per feed as it arrives, then a summary table."""

from __future__ import annotations

from collector.fetch import FetchResult
from collector.run import CollectSummary


def print_progress(result: FetchResult) -> None:
    if result.not_modified:
        status = "unchanged (304)"
    elif result.ok:
        status = f"fetched (HTTP {result.http_status})" if result.http_status else "read"
    else:
        status = f"FAILED: {result.error}"
    print(f"  {result.group_id:<40} {status}", flush=True)


def print_summary(summary: CollectSummary) -> None:
    width = max((len(o.group_id) for o in summary.outcomes), default=5)
    print()
    print(f"{'group':<{width}}  {'status':<9}  {'events':>6}  error")
    for o in sorted(summary.outcomes, key=lambda o: (o.status != "failed", o.group_id)):
        print(f"{o.group_id:<{width}}  {o.status:<9}  {o.events:>6}  {o.error or ''}".rstrip())
    failed = len(summary.failed)
    print(
        f"\ngroups: {len(summary.outcomes) - failed} ok, {failed} failed"
        f" | events: {summary.new} new, {summary.updated} updated,"
        f" {summary.unchanged} unchanged, {summary.dropped} dropped"
        f" | store writes: {summary.writes}"
    )
    if failed:
        print(f"warning: {failed} feed(s) failed; their stored events were kept")
