"""The GitHub calls the write path makes, behind one small interface.

`GitHub` is what the sign-in and submission code needs (exchange a code, name the user, read a
file, open a pull request); `HttpGitHub` does it over GitHub's REST API with `requests`, against
base URLs from the runtime, so tests point it at a fake GitHub on 127.0.0.1. The token travels
only in an Authorization header and a POST body: never in a URL, never in a log line.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import requests

from core.errors import DctechError

TIMEOUT = (5, 15)  # connect, read: a Lambda answering a form has 30 s in all
FORK_WAITS = (0.5, 1, 2, 4)  # a new fork is created asynchronously; it is there in seconds


class GitHubError(DctechError):
    """GitHub refused or failed a call; ``status`` is its HTTP status (None: unreachable)."""

    def __init__(self, what: str, status: int | None, detail: str = "") -> None:
        self.status = status
        shown = f"HTTP {status}" if status else "no answer"
        super().__init__(f"GitHub could not {what} ({shown}{': ' + detail if detail else ''})")


@dataclass(frozen=True)
class PullRequest:
    """What a submission asks for: files (repository path -> text) on a new branch."""

    title: str
    body: str
    branch: str
    files: Mapping[str, str]
    message: str  # the commit message


class GitHub(Protocol):
    def exchange_code(self, code: str, redirect_uri: str) -> str:
        """The user's access token for an authorization ``code`` (server to server)."""

    def login(self, token: str) -> str:
        """The signed-in user's login."""

    def file_exists(self, token: str, repository: str, path: str) -> bool:
        """Whether ``path`` exists on the repository's default branch."""

    def open_pull_request(self, token: str, repository: str, pull: PullRequest) -> str:
        """Commit ``pull.files`` on a new branch (of a fork when the user cannot push) and
        open the pull request; its web URL."""


class HttpGitHub:
    def __init__(self, web_url: str, api_url: str, client_id: str, client_secret: str) -> None:
        self.web_url, self.api_url = web_url.rstrip("/"), api_url.rstrip("/")
        self.client_id, self._client_secret = client_id, client_secret
        self.http = requests.Session()

    def __repr__(self) -> str:
        return f"HttpGitHub({self.api_url!r})"

    def exchange_code(self, code: str, redirect_uri: str) -> str:
        form = {
            "client_id": self.client_id,
            "client_secret": self._client_secret,
            "code": code,
            "redirect_uri": redirect_uri,
        }
        answer = self._send(
            "exchange the sign-in code",
            "POST",
            self.web_url + "/login/oauth/access_token",
            data=form,
        )
        token = answer.get("access_token")
        if not isinstance(token, str) or not token:
            raise GitHubError("exchange the sign-in code", 400, str(answer.get("error", "")))
        return token

    def login(self, token: str) -> str:
        return str(self._api("name the signed-in user", token, "GET", "/user")["login"])

    def file_exists(self, token: str, repository: str, path: str) -> bool:
        url = f"{self.api_url}/repos/{repository}/contents/{quote(path)}"
        try:
            self._send("read a file", "GET", url, token=token)
        except GitHubError as error:
            if error.status == 404:
                return False
            raise
        return True

    def open_pull_request(self, token: str, repository: str, pull: PullRequest) -> str:
        upstream = self._api("read the repository", token, "GET", f"/repos/{repository}")
        base = upstream["default_branch"]
        head_repo = repository
        if not upstream.get("permissions", {}).get("push"):
            head_repo = self._fork(token, repository)
        ref = self._api(
            "read the default branch",
            token,
            "GET",
            f"/repos/{repository}/git/ref/heads/{quote(base)}",
        )
        self._api(
            "create a branch",
            token,
            "POST",
            f"/repos/{head_repo}/git/refs",
            json={"ref": f"refs/heads/{pull.branch}", "sha": ref["object"]["sha"]},
        )
        for path, text in pull.files.items():
            content = base64.b64encode(text.encode("utf-8")).decode()
            self._api(
                "commit a file",
                token,
                "PUT",
                f"/repos/{head_repo}/contents/{quote(path)}",
                json={"message": pull.message, "content": content, "branch": pull.branch},
            )
        owner = head_repo.split("/")[0]
        head = pull.branch if head_repo == repository else f"{owner}:{pull.branch}"
        opened = self._api(
            "open the pull request",
            token,
            "POST",
            f"/repos/{repository}/pulls",
            json={
                "title": pull.title,
                "body": pull.body,
                "head": head,
                "base": base,
                "maintainer_can_modify": True,
            },
        )
        return str(opened["html_url"])

    def _fork(self, token: str, repository: str) -> str:
        """The user's fork (created if missing), once GitHub has it ready."""
        fork = self._api(
            "fork the repository", token, "POST", f"/repos/{repository}/forks", json={}
        )
        name = str(fork["full_name"])
        for wait in FORK_WAITS:
            try:
                self._api("read the fork", token, "GET", f"/repos/{name}")
                return name
            except GitHubError as error:
                if error.status != 404:
                    raise
            time.sleep(wait)
        raise GitHubError("prepare the fork", 404, f"{name} is not ready yet: try again")

    def _api(self, what: str, token: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return self._send(what, method, self.api_url + path, token=token, **kwargs)

    def _send(
        self, what: str, method: str, url: str, token: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        headers = {"Accept": "application/json", "X-GitHub-Api-Version": "2022-11-28"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self.http.request(method, url, headers=headers, timeout=TIMEOUT, **kwargs)
        except requests.RequestException:
            raise GitHubError(what, None) from None  # the exception's text may quote the request
        if response.status_code >= 400:
            raise GitHubError(what, response.status_code, _message(response))
        try:
            answer = response.json()
        except ValueError:
            raise GitHubError(what, response.status_code, "the answer is not JSON") from None
        return answer if isinstance(answer, dict) else {"items": answer}


def _message(response: requests.Response) -> str:
    """GitHub's own short reason, cut: enough to act on, never a whole page."""
    try:
        message = response.json().get("message", "")
    except (ValueError, AttributeError):
        message = ""
    return str(message)[:200]
