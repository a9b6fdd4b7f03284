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
import datetime as dt
import email.utils
import functools
import json
import logging
import threading
import time
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

from routines.reminders.models import DeliveryAttempt, DeliveryResult, PushSubscription

logger = logging.getLogger(__name__)

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


def http_endpoints_allowed() -> bool:
    """Plain-http endpoints (a local receiver) only in development and tests."""
    return settings.PUSH_ALLOW_HTTP_ENDPOINTS


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

    def __init__(self, response: urllib3.BaseHTTPResponse) -> None:
        self.status_code = response.status
        self.reason = response.reason or ""
        self.headers = response.headers
        self.text = response.data[:500].decode("utf-8", "replace")


class _Transport:
    """A requests-like `post` on one urllib3 pool shared by every thread (thread-safe,
    connections kept alive per push service). Half the CPU of a requests.Session per push:
    at hundreds of pushes a second that matters.
    """

    def __init__(self) -> None:
        self.pool = urllib3.PoolManager(num_pools=32, maxsize=32, retries=False)

    def post(
        self, url: str, data: bytes | None = None, headers: Any = None, timeout: float = 5
    ) -> _Response:
        response = self.pool.request(
            "POST",
            url,
            body=data,
            headers=dict(headers or {}),
            timeout=timeout,
            retries=False,
            redirect=False,
        )
        return _Response(response)


_transport_lock = threading.Lock()
_transport: _Transport | requests.Session | None = None


def _http() -> _Transport | requests.Session:
    """The HTTP client: the shared urllib3 pool, or, when proxy variables are set, a requests
    session that honours them."""
    global _transport
    with _transport_lock:
        if _transport is None:
            _transport = requests.Session() if urllib.request.getproxies() else _Transport()
        return _transport


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
) -> DeliveryAttempt:
    """Send one push to one device and return the unsaved attempt. No database access.

    The attempt has an extra attribute `retry_after` (seconds, or None) for temporary failures.
    """
    data = payload if isinstance(payload, bytes) else encode_payload(payload)
    attempt = DeliveryAttempt(
        occurrence=occurrence,
        subscription=subscription,
        endpoint=subscription.endpoint,
        at=timezone.now(),
    )
    attempt.retry_after = None
    if not push_configured():
        return _outcome(attempt, DeliveryResult.FAILED, None, "Push is not set up on the server.")
    if urlsplit(subscription.endpoint).scheme != "https" and not http_endpoints_allowed():
        return _outcome(attempt, DeliveryResult.FAILED, None, "The endpoint does not use https.")
    try:
        response = webpush(
            subscription.as_webpush(),
            data=data,
            # Signed here (and reused), so pywebpush is given no claims dict to change.
            headers=vapid_headers(subscription.endpoint),
            ttl=ttl,
            timeout=settings.PUSH_TIMEOUT_SECONDS,
            requests_session=_http(),
        )
    except WebPushException as exc:
        return _from_error(attempt, exc)
    except urllib3.exceptions.NewConnectionError as exc:  # a subclass of the timeout error
        return _outcome(attempt, DeliveryResult.RETRY, None, f"Network error: {exc}")
    except (requests.Timeout, urllib3.exceptions.TimeoutError):
        return _outcome(attempt, DeliveryResult.RETRY, None, "The push service did not answer.")
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
        return _outcome(attempt, DeliveryResult.RETRY, None, f"Network error: {exc}")
    except Exception as exc:  # bad keys in the subscription, a key the library refuses
        logger.warning("Push to %s could not be prepared: %r", subscription.pk, exc)
        return _outcome(attempt, DeliveryResult.FAILED, None, f"Could not encrypt: {exc}")
    return _outcome(attempt, DeliveryResult.DELIVERED, response.status_code, "")


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
