"""A throwaway certificate authority and a local TLS push service, on 127.0.0.1 only.

`TestCA` makes a self-signed CA and certificates it signs for given DNS names (made with
`cryptography`, nothing read from disk); `TLSListener` is a push service over real TLS that
answers every request 201 on a kept-alive connection and records, per connection, the name
the client asked for in the handshake (SNI), the request heads, and handshakes that failed.
"""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


class TestCA:
    """A certificate authority that exists for one test session, in `directory`."""

    __test__ = False  # not a test class, whatever its name says

    def __init__(self, directory: Path, common_name: str = "Unknot test CA") -> None:
        self.directory = directory
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        public = self.key.public_key()
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(_name(common_name))
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        self.cert_file = directory / f"{common_name.replace(' ', '-')}.pem"
        self.cert_file.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, dns_name: str) -> tuple[Path, Path]:
        """A server certificate for `dns_name` only (no IP address in it): (cert, key) files."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        ca_public = self.key.public_key()
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(dns_name))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(dns_name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_public), critical=False
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )
        stem = self.directory / f"{dns_name}-{cert.serial_number}"
        cert_file, key_file = stem.with_suffix(".crt"), stem.with_suffix(".key")
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(_pem(key))
        return cert_file, key_file

    def client_context(self) -> ssl.SSLContext:
        """What the push transport uses (`ssl.create_default_context`: certificate required,
        host name checked), trusting this CA instead of the system's."""
        return ssl.create_default_context(cafile=str(self.cert_file))


@dataclass
class TLSListener:
    """A push service over TLS on 127.0.0.1, presenting `cert_file`."""

    cert_file: Path
    key_file: Path
    server_names: list[str | None] = field(default_factory=list)
    heads: list[bytes] = field(default_factory=list)
    failed_handshakes: list[str] = field(default_factory=list)
    connections: int = 0

    def __post_init__(self) -> None:
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(self.cert_file, self.key_file)
        self._context.sni_callback = self._sni
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self._lock = threading.Condition()
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> TLSListener:
        self._thread.start()
        return self

    def _sni(self, sock: ssl.SSLObject, name: str | None, context: ssl.SSLContext) -> None:
        with self._lock:
            self.server_names.append(name)

    def wait_for_failed_handshake(self, timeout: float = 10) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: bool(self.failed_handshakes), timeout)

    def _serve(self) -> None:
        while True:
            try:
                conn, _peer = self._sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._open.append(conn)
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            tls = self._context.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError) as error:
            with self._lock:
                self.failed_handshakes.append(str(error))
                self._lock.notify_all()
            return
        try:
            with tls, tls.makefile("rb") as reader:
                while self._answer(tls, reader):  # kept alive until the client closes it
                    pass
        except OSError:
            pass  # closed by stop()

    def _answer(self, tls: ssl.SSLSocket, reader: Any) -> bool:
        """Read one request and answer it 201; False at the end of the connection."""
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            line = reader.readline(65536)
            if not line:
                return False
            head += line
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        reader.read(length)
        with self._lock:
            self.heads.append(head)
        tls.sendall(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
        return True

    def stop(self) -> None:
        self._sock.close()
        with self._lock:
            for conn in self._open:
                conn.close()
