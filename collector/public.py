"""Public addresses only: the transport for a fetch a stranger's URL starts (the submission
probe), so that it cannot reach the Lambda runtime API on 127.0.0.1:9001, cloud metadata on
169.254.169.254 or anything else on a private network.

The check sits where the socket is opened, so it covers every redirect hop and every spelling
of an address the resolver accepts (``2130706433``, ``0177.0.0.1``, ``[::1]``, a public name
whose DNS answer is private). The host is resolved once, refused if ANY of its addresses is not
global, and the connection goes to those checked addresses themselves: a second DNS answer
(rebinding) is never asked for. TLS still names and verifies the host, not the address.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Mapping
from typing import Any

import urllib3.exceptions
from requests import PreparedRequest, Response
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util.connection import allowed_gai_family


class NotPublic(urllib3.exceptions.HTTPError):
    """``host`` resolves to ``address``, which is not on the public internet."""

    def __init__(self, host: str, address: str) -> None:
        self.host, self.address = host, address
        named = "" if host == address else f" (of {host})"
        super().__init__(
            f"the feed's address {address}{named} is not a public address:"
            " give a feed URL on the public internet"
        )


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` has, in the resolver's order, as urllib3 would look it up."""
    answers = socket.getaddrinfo(host, port, allowed_gai_family(), socket.SOCK_STREAM)
    return list(dict.fromkeys(str(answer[4][0]) for answer in answers))


# Refused though some Python releases call them global: the IETF protocol block (3.11 before
# the CVE-2024-4032 fix), and the IPv6 forms that carry an IPv4 address a gateway may reach
# (NAT64, 6to4, IPv4-compatible), which no feed needs.
NOT_PUBLIC = tuple(
    ipaddress.ip_network(net)
    for net in ("192.0.0.0/24", "64:ff9b::/96", "64:ff9b:1::/48", "2002::/16", "::/96")
)


def is_public(address: str, exempt: frozenset[str] = frozenset()) -> bool:
    """A global unicast address (an IPv4-mapped IPv6 one judged as its IPv4) outside
    NOT_PUBLIC, or one in ``exempt``."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if str(ip) in exempt:
        return True
    inside = any(ip.version == net.version and ip in net for net in NOT_PUBLIC)
    return ip.is_global and not ip.is_multicast and not inside


def public_addresses(host: str, port: int, exempt: frozenset[str] = frozenset()) -> list[str]:
    """``host``'s addresses, all of them public; raises NotPublic naming the first that is not
    (one private answer is enough: which one a connection would use is not ours to choose)."""
    addresses = resolve(host, port)
    for address in addresses:
        if not is_public(address, exempt):
            raise NotPublic(host, address)
    return addresses


class PublicOnly(HTTPAdapter):
    """A requests adapter whose connections go only to public addresses (and ``exempt``'s:
    the tests' loopback servers)."""

    def __init__(self, exempt: frozenset[str] = frozenset()) -> None:
        self.exempt = exempt
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pools(self.exempt)

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> Response:
        # never through a proxy from the environment: it would connect to an address unchecked
        return super().send(request, stream, timeout, verify, cert, proxies=None)


def _pools(exempt: frozenset[str]) -> dict[str, type[HTTPConnectionPool]]:
    """urllib3's pools for http and https, their connections checked against ``exempt``."""

    class Plain(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return _connect_public(self, super()._new_conn, exempt)

    class Secure(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return _connect_public(self, super()._new_conn, exempt)

    class PlainPool(HTTPConnectionPool):
        ConnectionCls = Plain

    class SecurePool(HTTPSConnectionPool):
        ConnectionCls = Secure

    return {"http": PlainPool, "https": SecurePool}


def _connect_public(
    conn: HTTPConnection, connect: Callable[[], socket.socket], exempt: frozenset[str]
) -> socket.socket:
    """Open ``conn``'s socket to one of its host's checked addresses, in order, as urllib3
    tries a host's addresses; ``connect`` is urllib3's own, so its errors stay its own."""
    host = conn._dns_host
    try:
        addresses = public_addresses(host, conn.port, exempt)
    except socket.gaierror as exc:
        raise urllib3.exceptions.NameResolutionError(conn.host, conn, exc) from exc
    failure: urllib3.exceptions.NewConnectionError | None = None
    try:
        for address in addresses:
            conn._dns_host = address
            try:
                return connect()
            except urllib3.exceptions.NewConnectionError as exc:  # unreachable: the next one
                failure = exc
    finally:
        conn._dns_host = host
    assert failure is not None  # getaddrinfo answers at least one address or raises
    raise failure
