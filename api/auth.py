"""Sign in with GitHub (OAuth web flow), with the session kept server-side.

``start`` sends the browser to GitHub with a ``state`` that is signed, expires in minutes,
names a single-use nonce and is bound to the browser by a cookie (so a state lifted from
another browser's URL is useless). ``finish`` checks all of that, spends the nonce, exchanges
the code server-side and keeps the token in a store record keyed by the SHA-256 of a random
session id; the browser holds only that id, in an HttpOnly, Secure, SameSite=Lax cookie. The
token is never in a URL, a page, a cookie or a log line.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from api.github import GitHub
from api.signing import BadToken, digest, new_nonce, sign, verify
from core.limits import SESSION_SECONDS, SIGN_IN_SECONDS
from core.store.base import EventStore

SESSION_COOKIE = "dctech_session"
BINDING_COOKIE = "dctech_signin"
CALLBACK_PATH = "/auth/callback"
STATE = "oauth-state"  # the signing purpose
SCOPE = "public_repo"  # fork, push a branch and open a pull request on a public repository
RETURN_PATHS = ("/submit/", "/submit-group/")  # where a sign-in may send the browser back to


@dataclass(frozen=True)
class Session:
    session_id: str  # the cookie's value; the store keeps only its digest
    login: str
    token: str

    def __repr__(self) -> str:
        return f"Session(login={self.login!r})"


@dataclass(frozen=True)
class SignIn:
    """The sign-in flow over a store, a GitHub client and the session key."""

    store: EventStore
    github: GitHub
    key: bytes
    client_id: str
    authorize_url: str  # GitHub's /login/oauth/authorize
    callback_url: str

    def start(self, return_to: str, now_ts: int) -> tuple[str, str]:
        """(the GitHub URL to redirect to, the binding for the browser's cookie)."""
        binding = new_nonce()
        payload = {
            "n": new_nonce(),
            "b": digest(binding),
            "r": return_to if return_to in RETURN_PATHS else RETURN_PATHS[0],
        }
        state = sign(self.key, STATE, payload, now_ts + SIGN_IN_SECONDS)
        query = urlencode(
            {
                "client_id": self.client_id,
                "redirect_uri": self.callback_url,
                "scope": SCOPE,
                "state": state,
                "allow_signup": "true",
            }
        )
        return f"{self.authorize_url}?{query}", binding

    def finish(self, code: str, state: str, binding: str, now_ts: int) -> tuple[Session, str]:
        """(the new session, the path to return to). BadToken for a tampered, expired,
        replayed or foreign state; GitHubError when the exchange fails."""
        payload = verify(self.key, STATE, state, now_ts)
        if not binding or digest(binding) != payload.get("b"):
            raise BadToken("it was issued to another browser")
        if not self.store.claim_record(f"nonce#{payload['n']}", int(payload["exp"]), now_ts):
            raise BadToken("it was already used")
        if not code:
            raise BadToken("GitHub sent no code")
        token = self.github.exchange_code(code, self.callback_url)
        login = self.github.login(token)
        session = Session(new_nonce(), login, token)
        record = {"login": login, "token": token}
        self.store.put_record(_key(session.session_id), record, now_ts + SESSION_SECONDS)
        return session, str(payload["r"])

    def session(self, session_id: str, now_ts: int) -> Session | None:
        """The live session of the cookie's id, or None."""
        if not session_id:
            return None
        record = self.store.get_record(_key(session_id), now_ts)
        if record is None:
            return None
        return Session(session_id, record["login"], record["token"])

    def end(self, session_id: str) -> None:
        """Sign out: the token is deleted with the record."""
        if session_id:
            self.store.delete_record(_key(session_id))


def _key(session_id: str) -> str:
    return f"session#{digest(session_id)}"


def cookie(name: str, value: str, max_age: int, path: str = "/") -> str:
    """A Set-Cookie value scripts cannot read, sent over HTTPS only, and not on cross-site
    POSTs; ``max_age`` 0 deletes it."""
    return f"{name}={value}; Max-Age={max_age}; Path={path}; HttpOnly; Secure; SameSite=Lax"


def read_cookie(header: str, name: str) -> str:
    """The value of cookie ``name`` in a Cookie header, "" when absent."""
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return ""
