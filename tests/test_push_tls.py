"""Web Push over real TLS, pinned to the vetted address.

The push transport connects to the address it checked, not to the name, yet must verify the
service's certificate against the endpoint's host name (SNI and hostname check), refuse a
certificate for another name or from an unknown CA, and give up a handshake that never ends
at the total deadline. A throwaway CA signs certificates for a public-looking name
(tests/helpers/tls.py); the name is mapped to 127.0.0.1 by the fake resolver, which the test
settings let through (PUSH_TEST_LOCAL_ENDPOINTS; production refuses loopback, last test).
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from routines.reminders import push
from routines.reminders.models import DeliveryResult, PushSubscription
from routines.reminders.push import attempt_push

from .helpers.dns import fake_dns
from .helpers.keys import browser_keys
from .helpers.listeners import Listener
from .helpers.tls import TestCA, TLSListener

PAYLOAD = {"title": "Time for a drink", "body": "A glass of water.", "tag": "reminder-7"}
NAME = "push.tls-test.example.com"


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    return TestCA(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def trust_test_ca(ca: TestCA, monkeypatch: pytest.MonkeyPatch) -> None:
    """The transport's TLS context, made as in production, trusting the test CA only."""
    production: ssl.SSLContext = push._tls
    assert production.verify_mode == ssl.CERT_REQUIRED
    assert production.check_hostname
    monkeypatch.setattr(push, "_tls", ca.client_context())


@pytest.fixture
def resolve_to_loopback(monkeypatch: pytest.MonkeyPatch, settings: Any) -> list[str]:
    assert settings.PUSH_TEST_LOCAL_ENDPOINTS and not settings.DEBUG
    return fake_dns(monkeypatch, {NAME: "127.0.0.1"})


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every address the transport connects to."""
    tried: list[tuple[str, int]] = []
    real = socket.create_connection

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
        tried.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return tried


def serve(cert: tuple[Path, Path]) -> Iterator[TLSListener]:
    listener = TLSListener(*cert).start()
    yield listener
    listener.stop()


@pytest.fixture
def service(ca: TestCA) -> Iterator[TLSListener]:
    yield from serve(ca.issue(NAME))


def device(port: int) -> PushSubscription:
    return PushSubscription(
        pk=1, user_id=1, endpoint=f"https://{NAME}:{port}/push/tls-device", **browser_keys()
    )


@pytest.mark.usefixtures("vapid", "trust_test_ca", "resolve_to_loopback")
def test_the_pinned_https_post_checks_the_certificate_against_the_endpoints_name(
    service: TLSListener, ca: TestCA, connections: list[tuple[str, int]]
) -> None:
    subscription = device(service.port)

    first = attempt_push(subscription, PAYLOAD, ttl=60)
    second = attempt_push(subscription, PAYLOAD, ttl=60)

    assert (first.result, first.status_code) == (DeliveryResult.DELIVERED, 201)
    assert (second.result, second.status_code) == (DeliveryResult.DELIVERED, 201)
    # Connected to the vetted address, once (the second push reused the TLS connection) ...
    assert connections == [("127.0.0.1", service.port)]
    assert service.connections == 1
    # ... saying the endpoint's name in the handshake and the Host header, not the address.
    assert service.server_names == [NAME]
    assert len(service.heads) == 2
    for head in service.heads:
        assert head.startswith(b"POST /push/tls-device HTTP/1.1\r\n")
        assert f"\r\nHost: {NAME}:{service.port}\r\n".encode() in head
    # The certificate names only NAME: checked against the address, it would not pass.
    with (
        socket.create_connection(("127.0.0.1", service.port), timeout=5) as raw,
        pytest.raises(ssl.SSLCertVerificationError, match="IP address mismatch"),
    ):
        ca.client_context().wrap_socket(raw, server_hostname="127.0.0.1")


@pytest.fixture(params=["another name", "an unknown CA"])
def impostor(
    request: pytest.FixtureRequest, ca: TestCA, tmp_path: Path
) -> Iterator[tuple[TLSListener, str]]:
    """A service whose certificate is valid, but for another name, or for the right name
    from a CA the transport does not trust."""
    if request.param == "another name":
        cert, reason = ca.issue("push.other-service.example.org"), "Hostname mismatch"
    else:
        cert, reason = TestCA(tmp_path, "Unknown CA").issue(NAME), "unable to get local issuer"
    for listener in serve(cert):
        yield listener, reason


@pytest.mark.usefixtures("vapid", "trust_test_ca", "resolve_to_loopback")
def test_a_certificate_for_another_name_or_from_an_unknown_ca_is_refused(
    impostor: tuple[TLSListener, str],
) -> None:
    listener, reason = impostor

    attempt = attempt_push(device(listener.port), PAYLOAD, ttl=60)

    assert attempt.result == DeliveryResult.RETRY
    assert attempt.status_code is None
    assert "certificate verify failed" in attempt.detail
    assert reason in attempt.detail
    assert listener.server_names == [NAME]
    assert listener.wait_for_failed_handshake()  # the client broke off the handshake
    assert listener.heads == []  # nothing was sent: no request, no payload


@pytest.mark.usefixtures("vapid", "trust_test_ca", "resolve_to_loopback")
def test_a_service_that_accepts_and_never_answers_the_handshake_is_cut_off_at_the_deadline(
    settings: Any,
) -> None:
    settings.PUSH_TIMEOUT_SECONDS = 1.0
    settings.PUSH_CONNECT_TIMEOUT_SECONDS = 0.5
    silent = Listener(mode="hang").start()  # reads the ClientHello, never says a word
    try:
        started = time.monotonic()
        attempt = attempt_push(device(silent.port), PAYLOAD, ttl=60)
        elapsed = time.monotonic() - started
    finally:
        silent.stop()

    assert attempt.result == DeliveryResult.RETRY
    assert attempt.timed_out
    assert attempt.detail == "The push service did not answer."
    assert silent.connections  # TCP connected; the TLS handshake is what hung
    assert 0.9 <= elapsed < 1.5


@pytest.mark.usefixtures("vapid", "trust_test_ca", "no_http_endpoints")
def test_in_production_the_same_name_on_loopback_is_refused_before_connecting(
    service: TLSListener, monkeypatch: pytest.MonkeyPatch, connections: list[tuple[str, int]]
) -> None:
    fake_dns(monkeypatch, {NAME: "127.0.0.1"})
    subscription = PushSubscription(
        pk=1, user_id=1, endpoint=f"https://{NAME}/push/tls-device", **browser_keys()
    )

    attempt = attempt_push(subscription, PAYLOAD, ttl=60)

    assert attempt.result == DeliveryResult.FAILED
    assert attempt.detail == "Refused: The endpoint must be a public push service."
    assert connections == []
    assert service.connections == 0
