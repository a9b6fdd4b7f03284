"""Web Push on the person's devices: subscribing a browser, the device list and a test
notification. The service worker itself is routines/home/views_install.py's (at /sw.js).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from routines.accounts.http import signed_in
from routines.accounts.models import Profile
from routines.accounts.throttle import throttle
from routines.reminders import endpoints, notifications, push, services
from routines.reminders.models import DeliveryAttempt, DeliveryResult, PushSubscription
from routines.reminders.throttles import PUSH_SUBSCRIBES, PUSH_TESTS

#: A subscription is a few hundred bytes; anything much bigger is not one.
MAX_BODY_BYTES = 4096
MAX_ENDPOINT = PushSubscription._meta.get_field("endpoint").max_length
MAX_P256DH = PushSubscription._meta.get_field("p256dh").max_length
MAX_AUTH = PushSubscription._meta.get_field("auth").max_length
MAX_USER_AGENT = PushSubscription._meta.get_field("user_agent").max_length
#: The browser's key is an uncompressed P-256 point (65 bytes), the auth secret 16 bytes.
P256DH_BYTES = 65
AUTH_BYTES = 16
BASE64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


# Subscribing ------------------------------------------------------------------------------


class BadSubscription(ValueError):
    """The posted subscription cannot be used; the message says why, for the person."""


@dataclass(frozen=True)
class SubscriptionData:
    endpoint: str
    p256dh: str
    auth: str


def parse_subscription(body: bytes) -> SubscriptionData:
    """Check the JSON of `PushSubscription.toJSON()`; raise BadSubscription if unusable."""
    if len(body) > MAX_BODY_BYTES:
        raise BadSubscription("That is too much data for a notification subscription.")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadSubscription(
            "The subscription could not be read (it is not valid JSON)."
        ) from error
    if not isinstance(data, dict):
        raise BadSubscription("The subscription should be a JSON object.")
    endpoint = data.get("endpoint")
    keys = data.get("keys")
    if not isinstance(endpoint, str) or not endpoint:
        raise BadSubscription("The subscription has no endpoint.")
    if not isinstance(keys, dict):
        raise BadSubscription("The subscription has no keys.")
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not isinstance(p256dh, str) or not p256dh or not isinstance(auth, str) or not auth:
        raise BadSubscription("The subscription needs both keys: p256dh and auth.")
    _check_endpoint(endpoint)
    _check_key(p256dh, "p256dh", max_length=MAX_P256DH, size=P256DH_BYTES)
    _check_key(auth, "auth", max_length=MAX_AUTH, size=AUTH_BYTES)
    if _decode(p256dh)[0] != 0x04:
        raise BadSubscription("The p256dh key is not an uncompressed P-256 public key.")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _decode(p256dh))
    except ValueError as error:
        raise BadSubscription("The p256dh key is not a point on the P-256 curve.") from error
    return SubscriptionData(endpoint=endpoint, p256dh=p256dh, auth=auth)


def _check_endpoint(endpoint: str) -> None:
    if len(endpoint) > MAX_ENDPOINT:
        raise BadSubscription(f"The endpoint is longer than {MAX_ENDPOINT} characters.")
    try:
        # Control characters, scheme, port and host first (NUL cannot even be stored in
        # PostgreSQL); endpoints.py decides whether plain http is allowed here.
        _scheme, host, port = endpoints.check_syntax(endpoint)
    except endpoints.UnsafeEndpoint as error:
        raise BadSubscription(str(error)) from error
    try:
        URLValidator(schemes=["https", "http"])(endpoint)
    except ValidationError as error:
        raise BadSubscription("The endpoint is not a valid web address.") from error
    try:
        # The server will post to this address: the name must resolve to public addresses
        # only (the worker checks again at every send).
        endpoints.resolve(host, port)
    except endpoints.UnsafeEndpoint as error:
        raise BadSubscription(str(error)) from error


def _decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _check_key(value: str, name: str, *, max_length: int, size: int) -> None:
    if len(value) > max_length:
        raise BadSubscription(f"The {name} key is longer than {max_length} characters.")
    if not BASE64URL.match(value):
        raise BadSubscription(f"The {name} key is not base64url text.")
    try:
        decoded = _decode(value.rstrip("="))
    except (binascii.Error, ValueError) as error:
        raise BadSubscription(f"The {name} key is not base64url text.") from error
    if len(decoded) != size:
        raise BadSubscription(f"The {name} key should be {size} bytes, not {len(decoded)}.")


def _error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@require_POST
@throttle(PUSH_SUBSCRIBES, json=True)
def subscribe(request: HttpRequest) -> HttpResponse:
    """Register this browser for the signed-in person (JSON: `PushSubscription.toJSON()`).

    201 for a new device, 200 when it was already registered (to this person, or to another
    account and the same keys prove it is the same browser, now theirs); 400 with `{error}`
    for anything that cannot be used.
    """
    if not request.user.is_authenticated:
        return _error("Log in to turn on notifications.", status=403)
    try:
        data = parse_subscription(request.body)
    except BadSubscription as error:
        return _error(str(error))
    user_agent = request.headers.get("User-Agent", "")[:MAX_USER_AGENT]
    try:
        subscription, created = services.save_device(
            Profile.for_user(request.user), data.endpoint, data.p256dh, data.auth, user_agent
        )
    except services.DeviceLimit as error:
        return _error(str(error), status=409)
    except services.DeviceOfAnotherAccount as error:
        return _error(str(error))
    return JsonResponse(
        {"id": subscription.pk, "device": device_name(subscription.user_agent)},
        status=201 if created else 200,
    )


# Devices ----------------------------------------------------------------------------------

_BROWSERS = (
    ("Edg/", "Edge"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("Macintosh", "Mac"),
    ("Linux", "Linux"),
)


def device_name(user_agent: str) -> str:
    """A short, recognisable name for a browser: "Chrome on Android"."""
    browser = next((name for token, name in _BROWSERS if token in user_agent), "")
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown browser"


@dataclass(frozen=True)
class Device:
    subscription: PushSubscription
    name: str


def _devices(user: Any) -> list[Device]:
    return [
        Device(subscription=s, name=device_name(s.user_agent))
        for s in PushSubscription.objects.filter(user=user)
    ]


def _owned_subscription(request: HttpRequest, pk: int) -> PushSubscription:
    """The device if it is this person's; otherwise 404."""
    return get_object_or_404(PushSubscription, pk=pk, user=request.user)


def vapid_public_key() -> str:
    """The key the browser subscribes with; "" when this server cannot send push."""
    return push.vapid_public_key() if push.push_configured() else ""


def _devices_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"devices": _devices(request.user), "vapid_public_key": vapid_public_key(), **extra}


@require_GET
@signed_in
@never_cache
def devices(request: HttpRequest) -> HttpResponse:
    """The person's devices with notifications on, and the buttons to add one or test them."""
    template = "push/devices.html"
    if request.htmx:
        template += "#device_list"
    return render(request, template, _devices_context(request))


@require_POST
@signed_in
def remove_device(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = _owned_subscription(request, pk)
    name = device_name(subscription.user_agent)
    subscription.delete()
    status = f"{name} will no longer get notifications."
    if request.htmx:
        return render(
            request, "push/devices.html#device_list", _devices_context(request, status=status)
        )
    messages.success(request, status)
    return redirect("push_devices")


@dataclass(frozen=True)
class SendOutcome:
    name: str
    delivered: bool
    result: str


def _outcomes(attempts: list[DeliveryAttempt], names: dict[str, str]) -> list[SendOutcome]:
    return [
        SendOutcome(
            name=names.get(attempt.endpoint, "A removed device"),
            delivered=attempt.result == DeliveryResult.DELIVERED,
            result=_result_text(attempt),
        )
        for attempt in attempts
    ]


def _result_text(attempt: DeliveryAttempt) -> str:
    if attempt.result == DeliveryResult.DELIVERED:
        return "sent"
    if attempt.result == DeliveryResult.GONE:
        return "this browser no longer accepts our notifications, so we removed it"
    if attempt.result == DeliveryResult.RETRY and attempt.status_code is None:
        return "not reached: its push service did not answer in time; try again later"
    if attempt.result == DeliveryResult.RETRY:
        return "the push service is busy; try again in a minute"
    return "it did not go through"


@require_POST
@signed_in
@throttle(PUSH_TESTS)
def send_test(request: HttpRequest) -> HttpResponse:
    """Push a test notification to every device of the person and say which got it."""
    names = {d.subscription.endpoint: d.name for d in _devices(request.user)}
    attempts = notifications.send_test_notification(request.user) if names else []
    outcomes = _outcomes(list(attempts), names)
    if request.htmx:
        # The result, and the device list again (out of band): a device that is gone has gone.
        context = _devices_context(request, outcomes=outcomes, tested=True)
        result = render_to_string("push/devices.html#test_result", context, request)
        devices_html = render_to_string(
            "push/devices.html#device_list", {**context, "oob": True}, request
        )
        return HttpResponse(result + devices_html)
    if not outcomes:
        messages.error(request, "There is no device to send to yet. Turn on notifications first.")
    for outcome in outcomes:
        if outcome.delivered:
            messages.success(request, f"{outcome.name}: sent.")
        else:
            messages.error(request, f"{outcome.name}: {outcome.result}.")
    return redirect("push_devices")
