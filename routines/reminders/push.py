"""Web Push transport: VAPID keys, one push to one device, and what each answer means.

`attempt_push` does the network part only (encrypt, sign, post) and returns an unsaved
DeliveryAttempt, so the worker can run many at once in threads and save them together;
`record_attempts` saves them and applies their consequences (a device that answered 404 or
410 is removed, one that got the push has `last_delivered_at` set). `send_push` is both, for a
single push. None of them raises for a delivery failure: the attempt's result says what happened.

Answers, as the push services document them:

- 201 (or any 2xx): delivered to the push service;
- 404, 410: the subscription has expired or was revoked: the device is gone;
- 429, 5xx, a timeout or a refused connection: temporary, try again later (Retry-After, in
  seconds or as an HTTP date, says when);
- anything else (400 bad request, 401/403 VAPID rejected, 413 too large): failed.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import email.utils
import functools
import http.client
import io
import json
import logging
import select
import socket
import ssl
import threading
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

from routines.reminders import endpoints
from routines.reminders.models import DeliveryAttempt, DeliveryResult, PushSubscription

logger = logging.getLogger(__name__)

#: An attempt's detail when the push service did not answer within the deadline (the worker
#: backs off from such a device).
TIMED_OUT = "The push service did not answer."

#: Push services accept at most 4096 bytes of encrypted body. aes128gcm adds a 86-byte header
#: (salt, record size, key id length, the 65-byte key), a 16-byte tag and a 1-byte padding
#: delimiter, which leaves 3993 bytes for the JSON.
MAX_PAYLOAD_BYTES = 4096 - 86 - 16 - 1
#: The longest Retry-After we wait for; a push service asking for more gets this.
MAX_RETRY_AFTER_SECONDS = 3600
#: The JWT a push service checks may last at most 24 hours; 12 is what pywebpush uses.
VAPID_EXPIRY_SECONDS = 12 * 3600

_TEMPORARY = {429, 500, 502, 503, 504}
_GONE = {404, 410}


# VAPID --------------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@functools.lru_cache(maxsize=4)
def vapid_signer(private_key: str) -> Vapid02:
    """The signer for a private key (base64url raw, base64url DER or PEM), parsed once."""
    if "-----BEGIN" in private_key:
        key = serialization.load_pem_private_key(private_key.encode(), password=None)
        return Vapid02(key)
    return Vapid02.from_string(private_key)


def public_key_of(vapid: Vapid02) -> str:
    """The base64url uncompressed point a browser takes as `applicationServerKey`."""
    return _b64url(
        vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def push_configured() -> bool:
    """Whether this server can send Web Push (a VAPID private key and subject are set)."""
    return bool(settings.VAPID_PRIVATE_KEY and settings.VAPID_SUBJECT)


def vapid() -> Vapid02:
    """The VAPID signer of the configured private key."""
    return vapid_signer(settings.VAPID_PRIVATE_KEY)


def vapid_public_key() -> str:
    """The configured public key, or the one derived from the private key; "" if push is off."""
    configured = settings.VAPID_PUBLIC_KEY
    if configured or not push_configured():
        return configured
    return public_key_of(vapid())


def generate_vapid_keys() -> tuple[str, str]:
    """A new key pair: (private key as PEM, public key as base64url uncompressed point)."""
    signer = Vapid02()
    signer.generate_keys()
    return signer.private_pem().decode("ascii"), public_key_of(signer)


def _origin(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


# Payloads -----------------------------------------------------------------------------------


def encode_payload(payload: Mapping[str, Any]) -> bytes:
    """The payload as compact JSON, with `body` then `title` shortened if it would not fit.

    Raises ValueError if it still does not fit: that is a programming error, not a delivery
    failure.
    """
    data = dict(payload)
    encoded = _json(data)
    for field in ("body", "title"):
        text = data.get(field)
        while len(encoded) > MAX_PAYLOAD_BYTES and isinstance(text, str) and text:
            # Each character is at least one byte; the ellipsis takes three.
            text = text[: max(len(text) - (len(encoded) - MAX_PAYLOAD_BYTES) - 3, 0)]
            data[field] = text + "…" if text else ""
            encoded = _json(data)
    if len(encoded) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"A push payload of {len(encoded)} bytes cannot be sent.")
    return encoded


def _json(data: Mapping[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# Sending ------------------------------------------------------------------------------------


class _Response:
    """What pywebpush and `_from_error` read from an answer, as requests would give it."""

    def __init__(self, response: http.client.HTTPResponse, body: bytes) -> None:
        self.status_code = response.status
        self.reason = response.reason or ""
        self.headers = response.headers
        self.text = body[:500].decode("utf-8", "replace")


class _DeadlineSocket:
    """A connected socket whose every send and receive ends by `deadline` (time.monotonic()),
    so a server that accepts and never answers, or trickles a byte at a time, holds a request
    no longer than the total deadline."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock = sock
        self.deadline = deadline

    def arm(self) -> None:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("The push service did not answer in time.")
        self.sock.settimeout(left)

    def sendall(self, data: bytes) -> None:
        self.arm()
        self.sock.sendall(data)

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self))

    def close(self) -> None:
        self.sock.close()


class _DeadlineReader(io.RawIOBase):
    def __init__(self, owner: _DeadlineSocket) -> None:
        self.owner = owner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.owner.arm()
        return self.owner.sock.recv_into(buffer)


#: Every https push: the system's trust store, a certificate required and checked against the
#: endpoint's host name (sent as SNI), whatever address the connection is pinned to. There is
#: no setting to weaken it; tests/test_push_tls.py swaps in a context made the same way that
#: trusts its own throwaway CA instead.
_tls = ssl.create_default_context()
#: The most of an answer's body that is read (push services answer with a few bytes).
MAX_ANSWER_BYTES = 64 * 1024


#: An idle kept-alive connection is dropped after this long, or when the service closed it.
IDLE_CONNECTION_SECONDS = 30
#: Idle connections kept per (push service, address).
IDLE_CONNECTIONS_PER_ADDRESS = 32

_PoolKey = tuple[str, str, int, str]


class _Connection:
    """One kept-alive connection to one vetted address of one push service."""

    def __init__(self, key: _PoolKey, sock: socket.socket) -> None:
        self.key = key
        self.timed = _DeadlineSocket(sock, 0.0)
        self.http = http.client.HTTPConnection(key[1], key[2])
        self.http.sock = self.timed  # type: ignore[assignment]  # sendall/makefile/close only
        self.idle_since = 0.0

    def dropped(self) -> bool:
        """Closed by the service meanwhile (readable while idle means EOF), or idle too long."""
        if time.monotonic() - self.idle_since > IDLE_CONNECTION_SECONDS:
            return True
        try:
            return bool(select.select([self.timed.sock], [], [], 0)[0])
        except (OSError, ValueError):
            return True

    def close(self) -> None:
        self.http.close()
        with contextlib.suppress(OSError):
            self.timed.sock.close()


class _Pool:
    """Idle connections by (scheme, host, port, vetted address), shared by every thread.

    A connection is reused only for a push whose own check, just made, vetted that same
    address for that same host: a pooled connection never outlives the check that allows it.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.idle: dict[_PoolKey, list[_Connection]] = defaultdict(list)

    def take(self, key: _PoolKey) -> _Connection | None:
        while True:
            with self.lock:
                connections = self.idle.get(key)
                if not connections:
                    return None
                connection = connections.pop()
            if not connection.dropped():
                return connection
            connection.close()

    def give(self, connection: _Connection) -> None:
        connection.idle_since = time.monotonic()
        with self.lock:
            idle = self.idle[connection.key]
            if len(idle) < IDLE_CONNECTIONS_PER_ADDRESS:
                idle.append(connection)
                return
        connection.close()


_pool = _Pool()


class _PinnedPost:
    """A requests-like `post` for pywebpush that connects only to the vetted addresses of
    `target` (with the endpoint's own host name in the Host header and for TLS), with a
    connect deadline and a total deadline for the whole request (connect, TLS, send, answer).
    Connections are kept alive per vetted address (`_Pool`).
    """

    def __init__(self, target: endpoints.Target) -> None:
        self.target = target

    def post(
        self, url: str, data: bytes | None = None, headers: Any = None, timeout: float = 5
    ) -> _Response:
        deadline = time.monotonic() + settings.PUSH_TIMEOUT_SECONDS
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = dict(headers or {})
        connection = self._pooled()
        if connection is not None:
            try:
                return self._exchange(connection, deadline, path, data, headers)
            except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
                pass  # closed by the service as it was reused: once more on a new connection
        return self._exchange(self._connect(deadline), deadline, path, data, headers)

    def _pooled(self) -> _Connection | None:
        target = self.target
        for address in target.addresses:
            connection = _pool.take((target.scheme, target.host, target.port, address))
            if connection is not None:
                return connection
        return None

    def _exchange(
        self,
        connection: _Connection,
        deadline: float,
        path: str,
        data: bytes | None,
        headers: dict[str, str],
    ) -> _Response:
        connection.timed.deadline = deadline
        keep = False
        try:
            connection.http.request("POST", path, body=data, headers=headers)
            response = connection.http.getresponse()
            body = response.read(MAX_ANSWER_BYTES)
            keep = not response.will_close and response.isclosed()
            return _Response(response, body)
        finally:
            if keep:
                _pool.give(connection)
            else:
                connection.close()

    def _connect(self, deadline: float) -> _Connection:
        error: OSError | None = None
        target = self.target
        for address in target.addresses:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                sock = socket.create_connection(
                    (address, target.port),
                    timeout=min(settings.PUSH_CONNECT_TIMEOUT_SECONDS, left),
                )
            except OSError as exc:
                error = exc
                continue
            if target.scheme == "https":
                try:
                    sock.settimeout(max(deadline - time.monotonic(), 0.001))
                    sock = _tls.wrap_socket(sock, server_hostname=target.host)
                except BaseException:
                    sock.close()
                    raise
            return _Connection((target.scheme, target.host, target.port, address), sock)
        if isinstance(error, TimeoutError) or error is None:
            raise TimeoutError("The push service did not accept the connection in time.")
        raise ConnectionError(f"Could not connect: {error}")


_vapid_lock = threading.Lock()
_vapid_headers: dict[tuple[str, str, str], tuple[dict[str, str], int]] = {}


def vapid_headers(endpoint: str) -> dict[str, str]:
    """The VAPID Authorization header for the endpoint's push service.

    A signed token stays valid until its `exp` (12 hours), so one is reused for every push to
    the same service and signed again when less than an hour is left. Each signing gets a fresh
    claims dict.
    """
    audience = _origin(endpoint)
    key = (settings.VAPID_PRIVATE_KEY, settings.VAPID_SUBJECT, audience)
    now = int(time.time())
    with _vapid_lock:
        cached = _vapid_headers.get(key)
    if cached is not None and now + 3600 < cached[1] <= now + VAPID_EXPIRY_SECONDS:
        return cached[0]
    expires = now + VAPID_EXPIRY_SECONDS
    headers = vapid().sign({"sub": settings.VAPID_SUBJECT, "aud": audience, "exp": expires})
    with _vapid_lock:
        if len(_vapid_headers) > 1000:
            _vapid_headers.clear()
        _vapid_headers[key] = (headers, expires)
    return headers


def retry_after_seconds(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (a number of seconds or an HTTP date), capped."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - (now or timezone.now())).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def attempt_push(
    subscription: PushSubscription,
    payload: Mapping[str, Any] | bytes,
    *,
    ttl: int,
    occurrence: Any = None,
    topic: str | None = None,
) -> DeliveryAttempt:
    """Send one push to one device and return the unsaved attempt. No database access.

    The endpoint is checked and resolved again now (`endpoints.vet_endpoint`) and the request
    goes only to the vetted addresses, within PUSH_TIMEOUT_SECONDS in all. `topic` (the
    payload's tag by default) lets the push service replace an undelivered push with the
    same topic instead of stacking a repeat. The attempt has an extra attribute
    `retry_after` (seconds, or None) for temporary failures, and `timed_out`.
    """
    if topic is None and not isinstance(payload, bytes):
        topic = payload.get("tag")
    data = payload if isinstance(payload, bytes) else encode_payload(payload)
    attempt = DeliveryAttempt(
        occurrence=occurrence,
        subscription=subscription,
        endpoint=subscription.endpoint,
        at=timezone.now(),
    )
    attempt.retry_after = None
    attempt.timed_out = False
    if not push_configured():
        return _outcome(attempt, DeliveryResult.FAILED, None, "Push is not set up on the server.")
    try:
        target = endpoints.vet_endpoint(subscription.endpoint)
    except endpoints.UnsafeEndpoint as exc:
        return _outcome(attempt, DeliveryResult.FAILED, None, f"Refused: {exc}")
    headers = dict(vapid_headers(subscription.endpoint))
    if topic:
        headers["Topic"] = _topic(topic)
    try:
        response = webpush(
            subscription.as_webpush(),
            data=data,
            # Signed here (and reused), so pywebpush is given no claims dict to change.
            headers=headers,
            ttl=ttl,
            timeout=settings.PUSH_TIMEOUT_SECONDS,
            requests_session=_PinnedPost(target),  # type: ignore[arg-type]  # post() only
        )
    except WebPushException as exc:
        return _from_error(attempt, exc)
    except TimeoutError:
        attempt.timed_out = True
        return _outcome(attempt, DeliveryResult.RETRY, None, TIMED_OUT)
    except (OSError, http.client.HTTPException) as exc:
        return _outcome(attempt, DeliveryResult.RETRY, None, f"Network error: {exc}")
    except Exception as exc:  # bad keys in the subscription, a key the library refuses
        logger.warning("Push to %s could not be prepared: %r", subscription.pk, exc)
        return _outcome(attempt, DeliveryResult.FAILED, None, f"Could not encrypt: {exc}")
    return _outcome(attempt, DeliveryResult.DELIVERED, response.status_code, "")


def _topic(text: str) -> str:
    """A Topic header value: at most 32 characters of the base64url alphabet (RFC 8030)."""
    return "".join(c for c in text if c.isascii() and (c.isalnum() or c in "-_"))[:32]


def _from_error(attempt: DeliveryAttempt, exc: WebPushException) -> DeliveryAttempt:
    response = exc.response
    status = getattr(response, "status_code", None)
    if status is None:
        return _outcome(attempt, DeliveryResult.FAILED, None, exc.message)
    reason = f"{status} {getattr(response, 'reason', '') or ''}".strip()
    if 200 <= status < 300:  # pywebpush raises for anything above 202
        return _outcome(attempt, DeliveryResult.DELIVERED, status, "")
    if status in _GONE:
        return _outcome(attempt, DeliveryResult.GONE, status, reason)
    if status in _TEMPORARY or status >= 500:
        seconds = retry_after_seconds(response.headers.get("Retry-After"))
        attempt.retry_after = seconds
        if seconds is not None:
            reason += f"; retry after {seconds:.0f} s"
        return _outcome(attempt, DeliveryResult.RETRY, status, reason)
    body = (getattr(response, "text", "") or "").strip().replace("\n", " ")
    return _outcome(attempt, DeliveryResult.FAILED, status, f"{reason}: {body}" if body else reason)


def _outcome(
    attempt: DeliveryAttempt, result: str, status: int | None, detail: str
) -> DeliveryAttempt:
    attempt.result = result
    attempt.status_code = status
    attempt.detail = detail[:300]
    return attempt


def record_attempts(attempts: Sequence[DeliveryAttempt]) -> None:
    """Save attempts and apply them to the devices: removed when gone, else last delivered.

    A device the person removed while the push was on its way is no longer linked (the
    attempt keeps its endpoint). Call inside a transaction to make it one with other changes.
    """
    if not attempts:
        return
    with transaction.atomic():
        ids = sorted({a.subscription_id for a in attempts if a.subscription_id is not None})
        # Locked in primary key order (no deadlock between workers) until the transaction
        # ends, so no device disappears between this check and the insert.
        existing = set(
            PushSubscription.objects.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for attempt in attempts:
            if attempt.subscription_id is not None and attempt.subscription_id not in existing:
                attempt.subscription = None
        DeliveryAttempt.objects.bulk_create(attempts)
        delivered = {a.subscription_id for a in attempts if a.result == DeliveryResult.DELIVERED}
        delivered.discard(None)
        if delivered:
            PushSubscription.objects.filter(pk__in=delivered).update(
                last_delivered_at=max(a.at for a in attempts)
            )
        gone = {a.subscription_id for a in attempts if a.result == DeliveryResult.GONE}
        gone.discard(None)
        if gone:
            PushSubscription.objects.filter(pk__in=gone).delete()
