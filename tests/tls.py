"""TLS for the loopback feed server, made at test time: a self-signed certificate for the names
given (with the `cryptography` package when it is installed, else the `openssl` command; a test
that needs one is skipped when neither is there), the feed server behind it, and a port that
resets every connection once the TLS handshake has begun (a server that takes connections but
not TLS)."""

from __future__ import annotations

import ipaddress
import shutil
import socket
import ssl
import struct
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from feed_server import FeedServer


def make_certificate(folder: Path, names: list[str]) -> tuple[Path, Path]:
    """(certificate, key) PEM files for ``names`` (host names or IP addresses), valid a day;
    the certificate is its own CA, so trusting it (REQUESTS_CA_BUNDLE) verifies it."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        _with_cryptography(cert, key, names)
    except ImportError:
        if not shutil.which("openssl"):
            pytest.skip("neither the cryptography package nor openssl to make a certificate")
        _with_openssl(cert, key, names)
    return cert, key


def _with_cryptography(cert: Path, key: Path, names: list[str]) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dctech test")])
    now = datetime.now(UTC)
    alt = [_alt_name(x509, n) for n in names]
    public = private.public_key()
    built = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(private, hashes.SHA256())
    )
    cert.write_bytes(built.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _alt_name(x509, name: str):
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def _with_openssl(cert: Path, key: Path, names: list[str]) -> None:
    alt = ",".join(f"IP:{n}" if _is_ip(n) else f"DNS:{n}" for n in names)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", "/CN=dctech test", "-addext", f"subjectAltName={alt}",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


@contextmanager
def tls_server(folder: Path, names: list[str]) -> Iterator[tuple[FeedServer, Path]]:
    """The feed server speaking only TLS, with a certificate for ``names``; its ``url()`` still
    says http://, which tests turn into the scheme they try."""
    cert, key = make_certificate(folder, names)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = FeedServer()
    httpd = server._httpd
    # the handshake runs in the handler's thread, not in accept(): a client that fails it
    # cannot stall the server
    httpd.socket = context.wrap_socket(
        httpd.socket, server_side=True, do_handshake_on_connect=False
    )
    handler = httpd.RequestHandlerClass

    class Handshaking(handler):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            try:
                self.request.do_handshake()
            except (ssl.SSLError, OSError):
                self.request.close()
                raise ConnectionError("TLS handshake failed") from None
            super().setup()

    httpd.RequestHandlerClass = Handshaking
    with server:
        yield server, cert


@contextmanager
def reset_in_handshake_url(path: str = "/feed.ics") -> Iterator[str]:
    """An http:// URL on 127.0.0.1 whose port reads what a client sends first (a TLS
    ClientHello, or an HTTP request) and resets the connection."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                with suppress(OSError):
                    conn.recv(4096)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}{path}"
    finally:
        stop.set()
        with suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes the accept()
        listener.close()
        thread.join(timeout=5)
