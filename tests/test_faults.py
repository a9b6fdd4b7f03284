"""Faults: the database going away under the web app and the worker, the push service failing.

The suite never restarts the machine's PostgreSQL (others use it): an outage is simulated in
process, with an execute wrapper that makes every query of this thread's connection raise what
a lost connection raises, and with a psycopg connection to a closed port for the real error.
`bench/faults.py` restarts PostgreSQL for real, under load, at full scale.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection, transaction
from django.test import Client
from django.utils import timezone

from project import outage
from routines.content.models import Purpose
from routines.player.models import Run
from routines.reminders import delivery
from routines.reminders.delivery import Worker, run
from routines.reminders.models import (
    DeliveryAttempt,
    DeliveryResult,
    Occurrence,
    OccurrenceStatus,
    Reminder,
)
from tests.factories import make_routine
from tests.helpers.html import main_text
from tests.helpers.people import make_user
from tests.helpers.reminders import make_reminder, subscribe
from tests.push_receiver import PushReceiver

pytestmark = pytest.mark.django_db

LOST = "server closed the connection unexpectedly"


class Outage:
    """Every query of this thread's database connection fails while `down` is true."""

    def __init__(self) -> None:
        self.down = True
        self.failed = 0

    def __call__(self, execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        if self.down:
            self.failed += 1
            raise OperationalError(LOST)
        return execute(sql, *args)


@pytest.fixture
def db_outage() -> Iterator[Outage]:
    down = Outage()
    with connection.execute_wrapper(down):
        yield down


@pytest.fixture(autouse=True)
def fresh_outage_state() -> Iterator[None]:
    """Each test starts with the database seen as up (the state is per process)."""
    outage._down = False
    cache.clear()  # guest pages are cached: an empty cache makes the page query
    yield
    outage._down = False


def due_reminder(user: Any, when: dt.datetime) -> Reminder:
    """A reminder (every 2 hours, 08:00 to 20:00) whose next time is `when`."""
    reminder = make_reminder(user)
    Reminder.objects.filter(pk=reminder.pk).update(next_fire_at=when)
    return reminder


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# The 503 page ----------------------------------------------------------------------------------


def test_a_lost_database_answers_a_readable_503_with_retry_after(
    client: Client, db_outage: Outage
) -> None:
    response = client.get("/")

    assert response.status_code == 503
    assert response["Retry-After"] == str(outage.RETRY_AFTER_SECONDS)
    assert response["Cache-Control"] == "no-store"
    assert db_outage.failed >= 1
    html = response.content.decode()
    assert "Back in a moment" in main_text(response)
    assert "try again in a few seconds" in main_text(response)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    # No stack trace or error text, and nothing inline that the strict CSP would block.
    for leak in ("Traceback", "OperationalError", LOST, "<script", "<style", "style="):
        assert leak not in html
    # The response went back out through the security middleware.
    assert "script-src" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_the_player_script_gets_json_and_its_control_counts_once_when_sent_again(
    client: Client,
) -> None:
    routine = make_routine("Outage routine", purpose=Purpose.PREVENTION, steps=[{}])
    start = client.post(f"/routines/{routine.slug}/start/")
    run_url = start["Location"]
    control = {"action": "pause", "phase": "0", "control_id": "c-1"}
    json_headers = {"HTTP_ACCEPT": "application/json"}

    with connection.execute_wrapper(Outage()):
        refused = client.post(f"{run_url}control/", control, **json_headers)
    # The script keeps a control that got a 5xx and sends it again: the second time counts.
    again = client.post(f"{run_url}control/", control, **json_headers)

    assert refused.status_code == 503
    assert refused["Content-Type"] == "application/json"
    assert refused["Retry-After"] == str(outage.RETRY_AFTER_SECONDS)
    assert "unavailable" in refused.json()["error"]
    assert again.status_code == 200
    assert again.json()["paused"] is True
    assert again.json()["duplicate"] is False
    assert Run.objects.get().paused_at is not None


def test_the_first_request_after_the_outage_is_served_normally(client: Client) -> None:
    make_routine("Back again", purpose=Purpose.PREVENTION)
    down = Outage()
    with connection.execute_wrapper(down):
        assert client.get("/routines/").status_code == 503
        down.down = False
        response = client.get("/routines/")

    assert response.status_code == 200
    assert "Back again" in main_text(response)
    assert not outage._down


def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    down = Outage()
    with caplog.at_level(logging.INFO), connection.execute_wrapper(down):
        for path in ("/", "/routines/", "/"):
            assert client.get(path).status_code == 503
        down.down = False
        assert client.get("/").status_code == 200
        assert client.get("/").status_code == 200

    messages = [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
    starts = [m for m in messages if "Database unavailable" in m[2]]
    ends = [m for m in messages if "reachable again" in m[2]]
    assert len(starts) == 1 and len(ends) == 1
    assert LOST in starts[0][2]
    # No per-request error line with a stack trace from django.request.
    assert not [m for m in messages if m[0] == "django.request"]
    assert not [r for r in caplog.records if r.exc_info]


def test_an_outage_met_by_a_middleware_after_the_view_is_a_503_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A guest's start saves the session after the view (session middleware): the error
    comes from outside the view, through the project's handler500."""
    routine = make_routine("Session outage", purpose=Purpose.PREVENTION, steps=[{}])

    def lost(self: SessionStore, must_create: bool = False) -> None:
        raise InterfaceError("connection already closed")

    monkeypatch.setattr(SessionStore, "save", lost)
    client = Client(raise_request_exception=False)
    response = client.post(f"/routines/{routine.slug}/start/")

    assert response.status_code == 503
    assert response["Retry-After"] == str(outage.RETRY_AFTER_SECONDS)
    assert "Back in a moment" in main_text(response)
    assert "Traceback" not in response.content.decode()


def test_other_server_errors_stay_a_plain_500(monkeypatch: pytest.MonkeyPatch) -> None:
    from routines.content.views import library

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError

    monkeypatch.setattr(library, "render_cached", broken)
    response = Client(raise_request_exception=False).get("/routines/")

    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "Something went wrong" in main_text(response)


def test_only_errors_about_reaching_the_database_count_as_an_outage() -> None:
    import psycopg

    # A real connection refused: psycopg's error, wrapped as Django's PostgreSQL backend does.
    with pytest.raises(psycopg.OperationalError) as psycopg_refused:
        psycopg.connect(f"host=127.0.0.1 port={closed_port()} dbname=x connect_timeout=5")
    refused = OperationalError(str(psycopg_refused.value))
    refused.__cause__ = psycopg_refused.value
    # The same with a SQLSTATE of a query error (undefined table) is not an outage.
    undefined = OperationalError("relation does not exist")
    undefined.__cause__ = psycopg.errors.UndefinedTable()
    # A real query error from the database in use (SQLite: OperationalError "no such
    # table"; PostgreSQL: ProgrammingError): a bug, not an outage.
    # In a savepoint: on PostgreSQL the failed query would abort the test's transaction.
    with pytest.raises(Exception) as bad_query, transaction.atomic(), connection.cursor() as c:
        c.execute("SELECT * FROM no_such_table_anywhere")

    assert outage.is_outage(refused)
    assert not outage.is_outage(undefined)
    assert outage.is_outage(InterfaceError("connection already closed"))
    assert outage.is_outage(OperationalError(LOST))
    assert not outage.is_outage(bad_query.value)
    assert not outage.is_outage(ValueError("not a database error"))


# The worker ------------------------------------------------------------------------------------


class Stop(threading.Event):
    """The worker's stop flag, with waits that return at once and are written down: the
    backoff can be read off without any time passing. It sets itself at the first idle wait
    after `until()` holds."""

    def __init__(self, until: Callable[[], bool], idle: float) -> None:
        super().__init__()
        self.until = until
        self.idle = idle
        self.waits: list[tuple[float, bool]] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append((timeout or 0.0, connection.connection is None))
        if timeout == self.idle and self.until():
            self.set()
        if len(self.waits) > 20:  # bounded, whatever happens
            self.set()
        return self.is_set()


@pytest.mark.django_db(transaction=True)
def test_the_worker_rides_out_a_database_outage_and_sends_each_reminder_once(
    push_receiver: PushReceiver,
    vapid_keys: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = make_user(timezone="UTC")
    device = push_receiver.add_device()
    subscribe(user, device)
    due_reminder(user, timezone.now() - dt.timedelta(seconds=5))
    down = Outage()
    passes = 0

    def before_pass() -> None:
        nonlocal passes
        passes += 1
        down.down = passes <= 3  # the first three passes find the database gone

    stop = Stop(until=lambda: len(push_receiver.pushes) >= 1, idle=0.5)
    with (
        Worker("worker-outage") as worker,
        connection.execute_wrapper(down),
        caplog.at_level(logging.INFO),
    ):
        run(worker, stop, idle_seconds=0.5, before_pass=before_pass)

    # 1 s, 2 s, 4 s after each failed pass, the broken connection closed each time; then idle.
    assert stop.waits == [(1.0, True), (2.0, True), (4.0, True), (0.5, False)]
    assert len(push_receiver.pushes_to(device)) == 1
    occurrence = Occurrence.objects.get()
    assert occurrence.status == OccurrenceStatus.SENT
    assert occurrence.attempts == 1
    warnings = [r.getMessage() for r in caplog.records if r.name == delivery.__name__]
    assert len([w for w in warnings if "database unavailable" in w]) == 1
    assert len([w for w in warnings if "working again after 3 failed passes" in w]) == 1


@pytest.mark.django_db(transaction=True)
def test_an_outage_between_recording_and_claiming_loses_nothing(
    push_receiver: PushReceiver, vapid_keys: dict[str, str]
) -> None:
    user = make_user(timezone="UTC")
    device = push_receiver.add_device()
    subscribe(user, device)
    due_reminder(user, timezone.now() - dt.timedelta(seconds=5))
    down = Outage()
    real_claim = delivery.claim
    claims = 0

    def before_pass() -> None:
        down.down = False

    def claim(*args: Any, **kwargs: Any) -> Any:
        nonlocal claims
        claims += 1
        down.down = claims == 1  # the database goes just after the occurrence was recorded
        return real_claim(*args, **kwargs)

    stop = Stop(until=lambda: len(push_receiver.pushes) >= 1, idle=0.5)
    with (
        Worker("worker-claim") as worker,
        connection.execute_wrapper(down),
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr(delivery, "claim", claim)
        run(worker, stop, idle_seconds=0.5, before_pass=before_pass)

    assert down.failed >= 1
    assert [wait for wait, _ in stop.waits] == [1.0, 0.5]
    assert len(push_receiver.pushes_to(device)) == 1
    assert Occurrence.objects.get().status == OccurrenceStatus.SENT


def test_a_push_service_outage_is_retried_with_backoff_and_delivered_exactly_once(
    push_receiver: PushReceiver, vapid_keys: dict[str, str]
) -> None:
    t = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    devices = []
    for n in range(3):
        user = make_user(f"outage{n}", timezone="UTC")
        device = push_receiver.add_device()
        subscribe(user, device)
        due_reminder(user, t)
        devices.append(device)
    push_receiver.outage(500)

    with Worker("worker-push") as worker, time_machine.travel(t, tick=False) as clock:
        worker.run_pass()
        first = {o.retry_at for o in Occurrence.objects.all()}
        clock.move_to(t + dt.timedelta(seconds=30))
        worker.run_pass()
        second = {o.retry_at for o in Occurrence.objects.all()}
        push_receiver.outage(None)  # the service is back
        clock.move_to(t + dt.timedelta(seconds=90))
        worker.run_pass()
        clock.move_to(t + dt.timedelta(hours=1))
        assert not worker.run_pass().did_work

    assert first == {t + dt.timedelta(seconds=30)}
    assert second == {t + dt.timedelta(seconds=90)}  # waited twice as long the second time
    for device in devices:
        assert len(push_receiver.pushes_to(device)) == 1
        assert [r.status for r in push_receiver.requests_to(device)] == [500, 500, 201]
    assert set(Occurrence.objects.values_list("status", flat=True)) == {OccurrenceStatus.SENT}
    results = DeliveryAttempt.objects.order_by("pk").values_list("result", flat=True)
    assert sorted(results) == sorted([DeliveryResult.RETRY] * 6 + [DeliveryResult.DELIVERED] * 3)
