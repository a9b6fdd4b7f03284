"""Every response carries the security headers, the early errors included: a bad Host (400), a
CSRF failure (403), a 404, a 500, a refused body (413) or NUL byte (400), a 405."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path, reverse

from project.middleware import PERMISSIONS_POLICY

pytestmark = pytest.mark.django_db


def _explode(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


# This module is also a URLconf (for the 500), with the project's URLs around it.
urlpatterns = [path("__explode__/", _explode)]


def _project_urls() -> None:
    from django.urls import include

    urlpatterns.append(path("", include("project.urls")))


_project_urls()

DENIED = ["camera", "microphone", "geolocation", "payment", "usb", "display-capture"]


def assert_security_headers(response: Any, what: str) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp, f"{what}: CSP {csp!r}"
    assert "frame-ancestors 'none'" in csp, what
    assert "script-src 'self'" in csp, what
    assert response.headers.get("X-Frame-Options") == "DENY", what
    assert response.headers.get("X-Content-Type-Options") == "nosniff", what
    assert response.headers.get("Referrer-Policy") == "same-origin", what
    policy = response.headers.get("Permissions-Policy", "")
    assert "screen-wake-lock=(self)" in policy, what
    for feature in DENIED:
        assert f"{feature}=()" in policy, f"{what}: {feature} not denied"
    # Not a Permissions-Policy feature: Chromium would log "Unrecognized feature".
    assert "notifications" not in policy


def test_the_permissions_policy_allows_only_the_wake_lock() -> None:
    allowed = [item for item in PERMISSIONS_POLICY.split(", ") if not item.endswith("=()")]
    assert allowed == ["screen-wake-lock=(self)"]


def test_a_page_carries_the_headers(client: Client) -> None:
    response = client.get(reverse("about"))
    assert response.status_code == 200
    assert_security_headers(response, "about")


def test_the_bad_host_400_carries_the_headers(client: Client) -> None:
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "could not understand" in response.content.decode()
    assert_security_headers(response, "bad host")


def test_the_csrf_403_carries_the_headers() -> None:
    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "sam"})
    assert response.status_code == 403
    assert_security_headers(response, "csrf")


def test_the_404_carries_the_headers(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_security_headers(response, "404")


@pytest.mark.urls(__name__)
def test_the_500_carries_the_headers() -> None:
    response = Client(raise_request_exception=False).get("/__explode__/")
    assert response.status_code == 500
    assert_security_headers(response, "500")


def test_a_refused_body_carries_the_headers(client: Client) -> None:
    response = client.generic("POST", reverse("login"), b"x", CONTENT_LENGTH=str(50 * 1_048_576))
    assert response.status_code == 413
    assert_security_headers(response, "413")


def test_a_refused_nul_carries_the_headers(client: Client) -> None:
    response = client.get("/calendar/a%00b.ics")
    assert response.status_code == 400
    assert_security_headers(response, "nul")


def test_a_body_over_the_parsing_limit_carries_the_headers(client: Client, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = client.post(reverse("login"), {"username": "x" * 200})
    assert response.status_code == 400
    assert_security_headers(response, "RequestDataTooBig")


def test_a_wrong_method_carries_the_headers(client: Client) -> None:
    response = client.get(reverse("hydration_add"))
    assert response.status_code == 405
    assert_security_headers(response, "405")


def test_a_redirect_carries_the_headers(client: Client) -> None:
    response = client.get(reverse("reminders"))
    assert response.status_code == 302
    assert_security_headers(response, "redirect to log in")
