"""A fake GitHub on 127.0.0.1: the OAuth authorize and token endpoints and the REST calls the
write path makes (user, repository, fork, ref, contents, pulls), with what it received kept for
the tests to inspect.

The authorize page approves at once as ``login`` and redirects back with a code, as GitHub does
for a user who already granted the app. Every request is recorded (method, full path, headers,
body), so a test can prove a token never travelled in a URL.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

CLIENT_ID = "Iv1.fakeclientid"
CLIENT_SECRET = "fake-client-secret-value"
REPOSITORY = "dctech/events"
BASE_SHA = "0" * 39 + "1"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeGitHub:
    login: str = "ada"
    can_push: bool = False
    existing: set[str] = field(default_factory=set)  # paths on the default branch
    codes: dict[str, str] = field(default_factory=dict)  # code -> login
    tokens: dict[str, str] = field(default_factory=dict)  # token -> login
    forks: set[str] = field(default_factory=set)
    refs: dict[str, str] = field(default_factory=dict)  # "repo:branch" -> sha
    files: dict[str, str] = field(default_factory=dict)  # "repo:branch:path" -> text
    pulls: list[dict[str, Any]] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    fail_pulls: bool = False
    url: str = ""

    def issued_tokens(self) -> list[str]:
        return list(self.tokens)


def serve(fake: FakeGitHub) -> ThreadingHTTPServer:
    """A running server for ``fake``; its base URL is set on ``fake.url``."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _send(self, status: int, body: Any = None, headers: dict[str, str] | None = None):
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _handle(self) -> None:
            body = self._body()
            fake.requests.append(Recorded(self.command, self.path, dict(self.headers), body))
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/login/oauth/authorize":
                return self._authorize(query)
            if url.path == "/login/oauth/access_token":
                return self._token({k: v[0] for k, v in parse_qs(body.decode()).items()})
            auth = self.headers.get("Authorization", "")
            user = fake.tokens.get(auth.removeprefix("Bearer "))
            if user is None:
                return self._send(401, {"message": "Bad credentials"})
            return self._api(user, url.path, json.loads(body) if body else {})

        do_GET = do_POST = do_PUT = _handle

        def _authorize(self, query: dict[str, str]) -> None:
            if query.get("client_id") != CLIENT_ID:
                return self._send(404, {"message": "unknown client"})
            code = secrets.token_hex(10)
            fake.codes[code] = fake.login
            back = {"code": code, "state": query.get("state", "")}
            self._send(302, headers={"Location": f"{query['redirect_uri']}?{urlencode(back)}"})

        def _token(self, form: dict[str, str]) -> None:
            if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
                return self._send(200, {"error": "incorrect_client_credentials"})
            login = fake.codes.pop(form.get("code", ""), None)  # a code is good once
            if login is None:
                return self._send(200, {"error": "bad_verification_code"})
            token = "gho_" + secrets.token_hex(18)
            fake.tokens[token] = login
            self._send(200, {"access_token": token, "token_type": "bearer", "scope": "public_repo"})

        def _api(self, user: str, path: str, body: dict[str, Any]) -> None:
            parts = [unquote(p) for p in path.strip("/").split("/")]
            if parts == ["user"]:
                return self._send(200, {"login": user})
            if parts[0] != "repos" or len(parts) < 3:
                return self._send(404, {"message": "Not Found"})
            repo, rest = f"{parts[1]}/{parts[2]}", parts[3:]
            known = repo == REPOSITORY or repo in fake.forks
            if not known:
                return self._send(404, {"message": "Not Found"})
            if not rest and self.command == "GET":
                push = fake.can_push if repo == REPOSITORY else True
                return self._send(
                    200,
                    {"full_name": repo, "default_branch": "main", "permissions": {"push": push}},
                )
            if rest == ["forks"] and self.command == "POST":
                fork = f"{user}/{parts[2]}"
                fake.forks.add(fork)
                return self._send(202, {"full_name": fork})
            if rest[:3] == ["git", "ref", "heads"]:
                return self._send(200, {"object": {"sha": BASE_SHA}})
            if rest == ["git", "refs"] and self.command == "POST":
                if repo == REPOSITORY and not fake.can_push:
                    return self._send(403, {"message": "Resource not accessible"})
                fake.refs[f"{repo}:{body['ref'].removeprefix('refs/heads/')}"] = body["sha"]
                return self._send(201, {"ref": body["ref"]})
            if rest[:1] == ["contents"]:
                file_path = "/".join(rest[1:])
                if self.command == "GET":
                    found = file_path in fake.existing
                    return self._send(200 if found else 404, {"path": file_path} if found else {})
                if f"{repo}:{body['branch']}" not in fake.refs:
                    return self._send(404, {"message": "Branch not found"})
                text = base64.b64decode(body["content"]).decode("utf-8")
                fake.files[f"{repo}:{body['branch']}:{file_path}"] = text
                return self._send(201, {"content": {"path": file_path}})
            if rest == ["pulls"] and self.command == "POST":
                if fake.fail_pulls:
                    return self._send(422, {"message": "Validation Failed"})
                number = len(fake.pulls) + 1
                html_url = f"{fake.url}/{REPOSITORY}/pull/{number}"
                fake.pulls.append({**body, "number": number, "html_url": html_url, "by": user})
                return self._send(201, {"number": number, "html_url": html_url})
            return self._send(404, {"message": "Not Found"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


def pull_files(fake: FakeGitHub, pull: dict[str, Any]) -> dict[str, str]:
    """The files committed on a pull request's head branch: repository path -> text."""
    owner, _, branch = pull["head"].rpartition(":")
    repo = f"{owner}/{REPOSITORY.split('/')[1]}" if owner else REPOSITORY
    prefix = f"{repo}:{branch}:"
    return {k.removeprefix(prefix): v for k, v in fake.files.items() if k.startswith(prefix)}
