"""Issue 11, item 7: `--today` with a bad date is a usage error that says what a date looks
like, not argparse's "invalid fromisoformat value"."""

from __future__ import annotations

import pytest

import dctech


@pytest.mark.parametrize("command", ["collect", "build", "refresh", "events"])
@pytest.mark.parametrize("value", ["2026-13-01", "12/01/2026", ""])
def test_a_bad_today_is_a_usage_error_naming_the_format(command, value, capsys):
    with pytest.raises(SystemExit) as stopped:
        dctech.main([command, "--today", value])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: dctech ")
    assert err.endswith(f"argument --today: must be a date YYYY-MM-DD, got {value!r}\n")
