"""A local Web Push service on 127.0.0.1, for tests and benchmarks.

It does what a browser vendor's push service and the browser do together, so a push can make
a real round trip without the internet:

- checks the `Authorization: vapid t=<jwt>,k=<key>` header: an ES256 signature made with the
  key `k` (and, if given, the key the server is configured with), `aud` equal to this
  service's origin, `exp` in the future and at most 24 hours ahead, `sub` a mailto: or https:
  contact; then the `TTL` header and `Content-Encoding: aes128gcm`;
- decrypts the body (RFC 8291) with a fake browser's key pair and auth secret and records the
  payload, answering 201 Created as the real services do;
- can be told, per device, to answer 404, 410, 429 (with Retry-After), 500..., a given number of
  times or always, or to be slow: `simulate_latency(device)` holds each reply to that device
  for SIMULATED_LATENCY_SECONDS, as a distant or overloaded push service would. That is the
  only deliberate delay in the tests, and it is on the receiver's side: no test waits by
  sleeping (they wait with `wait_for_pushes` / `wait_for_arrivals`, on a condition the
  receiver signals).

In tests, the `push_receiver` fixture starts one in a thread (`ThreadingHTTPServer`, keep-alive)
and `vapid_keys` configures the settings with fresh keys (`vapid`: fresh keys without a
receiver; `no_http_endpoints`: production's https-only rule). For benchmarks it runs as its own
process: `python tests/push_receiver.py [--port 0] [--public-key KEY]` prints
`READY http://127.0.0.1:PORT` and serves until SIGTERM; then

- `POST /_control/devices` `{"count": n}` makes n devices and returns their subscriptions,
- `POST /_control/outage` `{"status": 500}` answers 500 to every push until
  `{"status": null}` (a push-service outage),
- `GET /_control/pushes?since=i` returns the pushes from number i on (path, arrival time as
  time.time(), tag), and counts of rejected requests.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import itertools
import json
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import http_ece
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

MAX_JWT_LIFETIME = 24 * 3600
#: How long a slow device's push service takes to answer, by default (`simulate_latency`):
#: long enough that a sender which waited for it before the others would plainly show.
SIMULATED_LATENCY_SECONDS = 1.0


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Rejected(Exception):
    """A request a real push service would refuse; the message says why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def check_vapid(
    authorization: str, *, origin: str, expected_key: str | None, now: float
) -> dict[str, Any]:
    """The JWT's claims if the VAPID header is valid for `origin`; raises Rejected if not."""
    scheme, _, params = authorization.partition(" ")
    if scheme.lower() != "vapid":
        raise Rejected(401, f"not a vapid authorization: {scheme!r}")
    parts: dict[str, str] = {}
    for item in params.split(","):
        name, _, value = item.strip().partition("=")
        parts[name] = value
    token, key = parts.get("t", ""), parts.get("k", "")
    if not token or not key:
        raise Rejected(401, "t= and k= are both required")
    if expected_key is not None and key != expected_key:
        raise Rejected(403, "signed with another key than the subscription's")
    claims = _verified.get((token, key))
    if claims is None:
        claims = _verify_signature(token, key)
        if len(_verified) > 10_000:
            _verified.clear()
        _verified[(token, key)] = claims
    if claims.get("aud") != origin:
        raise Rejected(403, f"aud {claims.get('aud')!r} is not {origin!r}")
    exp = claims.get("exp")
    if not isinstance(exp, int) or exp <= now or exp > now + MAX_JWT_LIFETIME + 60:
        raise Rejected(403, f"exp {exp!r} is not within the next 24 hours")
    if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
        raise Rejected(403, "sub must be a mailto: or https: contact")
    return claims


#: Tokens whose signature checked out, with their claims: a sender reuses one token for many
#: pushes, and checking the same signature again gives the same answer. The claims are still
#: checked on every push.
_verified: dict[tuple[str, str], dict[str, Any]] = {}


def _verify_signature(token: str, key: str) -> dict[str, Any]:
    """The claims of an ES256 JWT signed with the base64url public key `key`."""
    try:
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(b64url_decode(header_b64))
        claims = json.loads(b64url_decode(claims_b64))
        signature = b64url_decode(signature_b64)
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), b64url_decode(key)
        )
    except (ValueError, binascii.Error) as exc:
        raise Rejected(401, f"malformed token: {exc}") from exc
    if header.get("alg") != "ES256" or len(signature) != 64:
        raise Rejected(401, "the token must be ES256")
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    try:
        public_key.verify(
            encode_dss_signature(r, s),
            f"{header_b64}.{claims_b64}".encode("ascii"),
            ec.ECDSA(hashes.SHA256()),
        )
    except InvalidSignature as exc:
        raise Rejected(403, "bad signature") from exc
    return claims


@dataclass
class Device:
    """A fake browser: the key pair and auth secret its subscription carries."""

    path: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @property
    def p256dh(self) -> str:
        return b64url_encode(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    @property
    def auth(self) -> str:
        return b64url_encode(self.auth_secret)

    def subscription(self) -> dict[str, Any]:
        """What the browser's `PushSubscription.toJSON()` gives."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


@dataclass
class Rule:
    """How a device's endpoint answers instead of 201: `times` times (None: always); and how
    long it takes to answer (simulated latency, seconds)."""

    status: int | None = None
    retry_after: str | None = None
    times: int | None = None
    latency: float = 0.0


@dataclass(frozen=True)
class Request:
    """Every request that reached a device's endpoint, whatever the answer."""

    path: str
    status: int
    reason: str
    #: time.time() and time.perf_counter() when the request arrived and when it was answered.
    arrived: float
    answered: float
    arrived_clock: float
    answered_clock: float


@dataclass(frozen=True)
class Push:
    """A push that was accepted (201): the decrypted payload and what came with it."""

    path: str
    payload: dict[str, Any]
    claims: dict[str, Any]
    ttl: int
    arrived: float
    arrived_clock: float
    #: The Topic header (RFC 8030: a push with the same topic replaces an undelivered one).
    topic: str | None = None


@dataclass
class PushReceiver:
    host: str = "127.0.0.1"
    port: int = 0
    #: The VAPID public key the server signs with; None accepts any valid signature.
    vapid_public_key: str | None = None
    devices: dict[str, Device] = field(default_factory=dict)
    rules: dict[str, Rule] = field(default_factory=dict)
    pushes: list[Push] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    #: While set, every device's endpoint answers this status (a push-service outage).
    outage_status: int | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._stopping = threading.Event()
        self.arrivals = 0
        self._names = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # Running ----------------------------------------------------------------------------

    def start(self) -> PushReceiver:
        self._stopping.clear()
        server = _Server((self.host, self.port), _Handler)
        server.receiver = self
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close kept-alive connections (their threads would serve on);
        replies held back by a simulated latency go out at once."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            for conn in list(self._server.connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
            self._server = None

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    # Set-up -----------------------------------------------------------------------------

    def add_device(self, name: str | None = None) -> Device:
        path = f"/push/{name or next(self._names)}"
        device = Device(
            path=path,
            endpoint=self.origin + path,
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth_secret=os.urandom(16),
        )
        with self._lock:
            self.devices[path] = device
        return device

    def answer(
        self,
        device: Device,
        status: int,
        *,
        retry_after: str | int | None = None,
        times: int | None = None,
    ) -> None:
        """Answer `status` (with Retry-After if given) `times` times, or always."""
        with self._lock:
            rule = self.rules.setdefault(device.path, Rule())
            rule.status = status
            rule.retry_after = None if retry_after is None else str(retry_after)
            rule.times = times

    def outage(self, status: int | None = 500) -> None:
        """Answer `status` to every push until `outage(None)`: the whole service is down."""
        with self._lock:
            self.outage_status = status

    def simulate_latency(self, device: Device, seconds: float = SIMULATED_LATENCY_SECONDS) -> None:
        """Make this device's push service slow: it holds its answer to each request for
        `seconds`. This is deliberate latency of a fake push service, for tests of what a slow
        service must not hold up (the other devices, a timeout, a graceful stop); it is not a
        way to wait for anything."""
        with self._lock:
            self.rules.setdefault(device.path, Rule()).latency = seconds

    # Results ----------------------------------------------------------------------------

    def pushes_to(self, device: Device) -> list[Push]:
        with self._lock:
            return [p for p in self.pushes if p.path == device.path]

    def requests_to(self, device: Device) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == device.path]

    def wait_for_pushes(self, count: int, timeout: float = 10) -> bool:
        """Block until at least `count` pushes were accepted (or the timeout)."""
        with self._lock:
            return self._lock.wait_for(lambda: len(self.pushes) >= count, timeout=timeout)

    def wait_for_arrivals(self, count: int, timeout: float = 10) -> bool:
        """Block until at least `count` requests have arrived (answered or not yet)."""
        with self._lock:
            return self._lock.wait_for(lambda: self.arrivals >= count, timeout=timeout)

    # Handling ---------------------------------------------------------------------------

    def _handle(self, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, str]]:
        arrived, arrived_clock = time.time(), time.perf_counter()
        with self._lock:
            self.arrivals += 1
            self._lock.notify_all()
            device = self.devices.get(path)
            rule = self.rules.get(path)
            forced: tuple[int, str | None] | None = None
            if self.outage_status is not None:
                forced = (self.outage_status, None)
            latency = 0.0
            if rule is not None:
                latency = rule.latency
                if rule.status is not None and (rule.times is None or rule.times > 0):
                    forced = (rule.status, rule.retry_after)
                    if rule.times is not None:
                        rule.times -= 1
        status, reason, extra = 201, "Created", {}
        try:
            if device is None:
                raise Rejected(404, "no such subscription")
            claims = check_vapid(
                headers.get("Authorization", ""),
                origin=self.origin,
                expected_key=self.vapid_public_key,
                now=time.time(),
            )
            ttl = headers.get("TTL")
            if ttl is None or not ttl.isdigit():
                raise Rejected(400, "a TTL header is required")
            if headers.get("Content-Encoding") != "aes128gcm":
                raise Rejected(415, "Content-Encoding must be aes128gcm")
            if len(body) > 4096:
                raise Rejected(413, f"{len(body)} bytes is more than 4096")
            try:
                plain = http_ece.decrypt(
                    body,
                    private_key=device.private_key,
                    auth_secret=device.auth_secret,
                    version="aes128gcm",
                )
                payload = json.loads(plain)
            except Exception as exc:
                raise Rejected(400, f"could not decrypt: {exc!r}") from exc
        except Rejected as exc:
            status, reason = exc.status, exc.reason
            with self._lock:
                self.rejected.append((path, reason))
        if latency:
            self._simulated_latency(latency)
        if status == 201 and forced is not None:
            status, reason = forced[0], "told to"
            if forced[1] is not None:
                extra["Retry-After"] = forced[1]
        with self._lock:
            self.requests.append(
                Request(
                    path=path,
                    status=status,
                    reason=reason,
                    arrived=arrived,
                    answered=time.time(),
                    arrived_clock=arrived_clock,
                    answered_clock=time.perf_counter(),
                )
            )
            if status == 201:
                self.pushes.append(
                    Push(
                        path=path,
                        payload=payload,
                        claims=claims,
                        ttl=int(ttl),
                        arrived=arrived,
                        arrived_clock=arrived_clock,
                        topic=headers.get("Topic"),
                    )
                )
                self._lock.notify_all()
        if status == 201:
            extra["Location"] = f"{self.origin}/message{path}"
        return status, extra

    def _simulated_latency(self, seconds: float) -> None:
        """Hold this reply `seconds`, as a slow push service would (`simulate_latency`).

        Deliberate latency of the fake service, in the thread that serves the request: the
        sender under test waits for the reply as it would for a real slow service. Nothing
        here waits for a condition; a receiver that stops lets held replies go at once."""
        self._stopping.wait(timeout=seconds)

    def _control(self, method: str, url: str, body: bytes) -> tuple[int, Any]:
        parts = urlsplit(url)
        if method == "POST" and parts.path == "/_control/devices":
            count = int(json.loads(body or b"{}").get("count", 1))
            return 200, [self.add_device().subscription() for _ in range(count)]
        if method == "POST" and parts.path == "/_control/outage":
            self.outage(json.loads(body or b"{}").get("status"))
            return 200, {"outage": self.outage_status}
        if method == "GET" and parts.path == "/_control/pushes":
            since = int(parse_qs(parts.query).get("since", ["0"])[0])
            with self._lock:
                pushes = self.pushes[since:]
                rejected = len(self.rejected)
                statuses: dict[int, int] = {}
                for request in self.requests:
                    statuses[request.status] = statuses.get(request.status, 0) + 1
            return 200, {
                "total": since + len(pushes),
                "pushes": [[p.path, p.arrived, p.payload.get("tag")] for p in pushes],
                "rejected": rejected,
                "statuses": statuses,
            }
        return 404, {"error": "unknown control"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    receiver: PushReceiver

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connections: set[socket.socket] = set()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a sender that went away mid-request (a worker killed with SIGKILL)
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real push services do
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.connections.add(self.connection)

    def finish(self) -> None:
        self.server.connections.discard(self.connection)
        super().finish()

    def do_POST(self) -> None:  # the name http.server calls
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith("/_control/"):
            self._json(*self.server.receiver._control("POST", self.path, body))
            return
        status, headers = self.server.receiver._handle(self.path, self.headers, body)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        self._json(*self.server.receiver._control("GET", self.path, b""))

    def _json(self, status: int, data: Any) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the tests read the receiver's records instead


def configure_vapid(settings: Any) -> dict[str, str]:
    """New VAPID keys and a contact in the (pytest-django) settings: a server that can send
    push. Returns the keys and the subject."""
    from routines.reminders.push import generate_vapid_keys

    private, public = generate_vapid_keys()
    settings.VAPID_PRIVATE_KEY = private
    settings.VAPID_PUBLIC_KEY = public
    settings.VAPID_SUBJECT = "mailto:tests@unknot.invalid"
    return {"private": private, "public": public, "subject": settings.VAPID_SUBJECT}


def use_fresh_vapid_keys(settings: Any, receiver: PushReceiver) -> dict[str, str]:
    """New VAPID keys in the (pytest-django) settings; the receiver accepts only their
    signatures, over plain http. Returns the keys and the subject."""
    keys = configure_vapid(settings)
    settings.PUSH_TEST_LOCAL_ENDPOINTS = True
    receiver.vapid_public_key = keys["public"]
    return keys


# Fixtures, for a test module or conftest that lists this module in `pytest_plugins`.


@pytest.fixture
def push_receiver() -> Iterator[PushReceiver]:
    """A running local push service; each test gets a fresh one."""
    receiver = PushReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def vapid_keys(settings: Any, push_receiver: PushReceiver) -> dict[str, str]:
    """Fresh VAPID keys in the settings; the receiver accepts only their signatures."""
    return use_fresh_vapid_keys(settings, push_receiver)


@pytest.fixture
def vapid(settings: Any) -> str:
    """A server that can send push (no receiver running); returns the public key browsers
    subscribe with."""
    return configure_vapid(settings)["public"]


@pytest.fixture
def no_http_endpoints(settings: Any) -> None:
    """Production: push services are reached over https only."""
    settings.DEBUG = False
    settings.PUSH_TEST_LOCAL_ENDPOINTS = False


def main(argv: list[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="A local Web Push service.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--public-key", default=None)
    args = parser.parse_args(argv)
    receiver = PushReceiver(port=args.port, vapid_public_key=args.public_key).start()
    print(f"READY {receiver.origin}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    receiver.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
