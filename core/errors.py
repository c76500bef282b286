"""The project's error root, and configuration errors that tell a maintainer which file, which
line and which key to fix."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class DctechError(Exception):
    """The root of every error raised on purpose here, so the CLI catches one class and prints it
    as one line (and a Lambda logs one reason) instead of a traceback.

    As in recurring-ical-events, an error carries its facts as attributes for code to act on (a
    path and a line, an HTTP status, whether a retry may help), and its text says what happened
    and, where the reader can act, what to do: ``hint``, appended after a colon when the message
    itself does not say it.
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.hint = hint
        super().__init__(f"{message}: {hint}" if hint else message)


class ConfigError(DctechError):
    """One problem in one configuration file.

    Prints as ``_groups/foo.yaml:3: key 'website': must be an http(s) URL, got 'ftp://x'``
    (the ``path:line`` form editors and CI logs link to).
    """

    def __init__(
        self, path: str | Path, message: str, field: str | None = None, line: int | None = None
    ) -> None:
        self.path = Path(path)
        self.field = field
        self.line = line
        self.message = message
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        key = f" key '{self.field}':" if self.field is not None else ""
        return f"{where}:{key} {self.message}"

    def problems(self) -> list[ConfigError]:
        """Every single problem this error stands for."""
        return [self]


class ConfigErrors(ConfigError):
    """Several problems found in one run, reported together so one round of fixes is enough."""

    def __init__(self, errors: Sequence[ConfigError]) -> None:
        self.errors = [one for error in errors for one in error.problems()]
        first = self.errors[0]
        super().__init__(first.path, first.message, first.field, first.line)

    def _describe(self) -> str:
        lines = "\n".join(f"  {error}" for error in self.errors)
        return f"{len(self.errors)} configuration problems:\n{lines}"

    def problems(self) -> list[ConfigError]:
        return list(self.errors)


def raise_if_any(errors: Sequence[ConfigError]) -> None:
    """Raise the one error as itself, several as a ConfigErrors, none as nothing."""
    problems = [one for error in errors for one in error.problems()]
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ConfigErrors(problems)
