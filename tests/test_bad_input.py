# ruff: noqa: RUF001  (the digits that look like 0-9 but are not are the point)
"""Bad input gets a 4xx with a message, never a 500, on SQLite and PostgreSQL alike.

Every URL of the project (enumerated from the URL resolver, with sample arguments) is sent NUL
bytes in its path, its query string and every form field, and non-ASCII digits in every form
field, as a guest and signed in, by GET and POST. Oversized and length-less bodies are refused
before they are read. Run on PostgreSQL with DATABASE_URL=postgres:///unknot_input.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.db import connection, models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from project.middleware import NUL_MESSAGE
from routines.accounts.models import Profile
from routines.content.models import Purpose
from routines.player.models import Run
from routines.reminders.forms import ASCII_DIGITS_MESSAGE
from routines.reminders.models import Reminder
from routines.reminders.tokens import drank_token
from tests.factories import make_article, make_routine, make_sign, make_triage_level
from tests.helpers.html import main_text, page_text
from tests.helpers.people import make_user, signed_in
from tests.helpers.reminders import make_occurrence, make_reminder

pytestmark = pytest.mark.django_db

NUL = "a\x00b"
ARABIC_TIME = "08:٣٠"  # Arabic-Indic digits
FULLWIDTH_TIME = "０８:３０"
BAD_DIGITS = [ARABIC_TIME, FULLWIDTH_TIME, "٠٨:٠٠", "12:30, ٠٨:٣٠"]

#: Fields read from request.POST without a form.
RAW_FIELDS = ["sign", "from", "enabled", "safety", "lead_in", "next", "preview"]


def _url_names() -> list[str]:
    """Every named URL of the project, the admin's aside (its login page stands for it)."""
    names: list[str] = []

    def walk(patterns: list[Any], namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, "")
    return [*sorted(set(names)), "admin:login"]


URL_NAMES = _url_names()


def _form_field_names() -> list[str]:
    """The names of every field of every form in the apps, and the raw POST names."""
    names = set(RAW_FIELDS) | {"username", "password", "old_password", "new_password1"}
    names |= {"new_password2", "password1", "password2", "email"}
    for app in ("accounts", "content", "player", "reminders"):
        module = importlib.import_module(f"routines.{app}.forms")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, forms.BaseForm):
                names |= set(getattr(value, "base_fields", {}))
    return sorted(names)


FIELD_NAMES = _form_field_names()


@pytest.fixture
def world() -> dict[str, Any]:
    """A user with one of everything a URL can name, and sample arguments per URL name."""
    user = make_user("sam", timezone="Europe/Berlin")
    routine = make_routine("Calf stretch", purpose=Purpose.RELIEF, situations=["cramp-now"])
    article = make_article("Why cramps happen", slug="why-cramps")
    make_sign(make_triage_level(), key="swollen-leg")
    reminder = make_reminder(user)
    occurrence = make_occurrence(user)
    run = Run.begin(routine, user=user, lead_in=False, now=dt.datetime.now(dt.UTC))
    profile = Profile.objects.get(user=user)
    from routines.reminders.models import PushSubscription

    device = PushSubscription.objects.create(
        user=user, endpoint="https://push.example.com/x", p256dh="x", auth="y"
    )
    slugs = {"learn_detail": article.slug}
    pks = {"reminder_due_dismiss": occurrence.pk, "reminder_due_act": occurrence.pk}
    pks["push_device_remove"] = device.pk
    tokens = {"calendar_feed": profile.calendar_token, "hydration_drank": drank_token(occurrence)}

    def kwargs_for(name: str) -> dict[str, Any]:
        pattern = _pattern(name)
        values: dict[str, Any] = {}
        for key in pattern.pattern.converters:
            if key == "slug":
                values[key] = slugs.get(name, routine.slug)
            elif key == "pk":
                values[key] = pks.get(name, reminder.pk)
            elif key == "run_id":
                values[key] = run.pk
            elif key == "token":
                values[key] = tokens.get(name, "set-password")
            elif key == "uidb64":
                values[key] = "MQ"
        return values

    return {"user": user, "kwargs_for": kwargs_for}


def _pattern(name: str) -> URLPattern:
    resolver = get_resolver()
    for pattern in resolver.url_patterns:
        found = _find(pattern, name.split(":")[-1])
        if found is not None:
            return found
    raise LookupError(name)


def _find(pattern: Any, name: str) -> URLPattern | None:
    if isinstance(pattern, URLResolver):
        for inner in pattern.url_patterns:
            if (found := _find(inner, name)) is not None:
                return found
        return None
    return pattern if pattern.name == name else None


def _clients(user: Any) -> list[tuple[str, Client]]:
    return [("guest", Client()), ("signed in", signed_in(user))]


def _with_nul_in_path(url: str) -> str:
    """The URL with %00 in its last path segment (or at its end)."""
    stem, _, last = url.rstrip("/").rpartition("/")
    slash = "/" if url.endswith("/") else ""
    middle = len(last) // 2
    return f"{stem}/{last[:middle]}%00{last[middle:]}{slash}"


def _assert_refused_for_nul(response: Any, what: str) -> None:
    assert response.status_code == 400, f"{what}: {response.status_code}"
    assert "NUL character" in response.content.decode(), what


def _message(response: Any) -> str:
    """The words of a response: its <main> for a page, else the whole body (JSON, fragment)."""
    body = response.content.decode()
    return main_text(response) if "<main" in body else page_text(body).strip()


def _text_with(needle: str) -> list[str]:
    """Rows of any model whose text columns contain `needle` (SQLite can store NUL; PostgreSQL
    refuses it before storing, so there the answer is always empty)."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                # In Python: SQLite's LIKE stops at a NUL, and would match every row.
                values = model._default_manager.values_list(field.attname, flat=True)
                if any(needle in (value or "") for value in values):
                    found.append(f"{model.__name__}.{field.name}")
    return found


@pytest.mark.parametrize("name", URL_NAMES)
def test_nul_bytes_anywhere_never_give_a_server_error(world: dict[str, Any], name: str) -> None:
    url = reverse(name, kwargs=world["kwargs_for"](name))
    for who, client in _clients(world["user"]):
        for method in (client.get, client.post):
            what = f"{who} {method.__name__.upper()} {url}"
            _assert_refused_for_nul(method(_with_nul_in_path(url)), f"{what} (path)")
            query = "&".join(f"{field}=a%00b" for field in ("q", "next", "kind", "area"))
            _assert_refused_for_nul(method(f"{url}?{query}"), f"{what} (query)")
        response = client.post(url, {field: NUL for field in FIELD_NAMES})
        assert response.status_code < 500, f"{who} POST {url} (form fields)"
        if response.status_code == 400:
            assert _message(response), f"{who} POST {url}: a 400 without a message"
    if connection.vendor == "sqlite":
        assert _text_with("\x00") == []


@pytest.mark.parametrize("name", URL_NAMES)
def test_non_ascii_digits_anywhere_never_give_a_server_error(
    world: dict[str, Any], name: str
) -> None:
    url = reverse(name, kwargs=world["kwargs_for"](name))
    for who, client in _clients(world["user"]):
        for value in (ARABIC_TIME, FULLWIDTH_TIME):
            response = client.post(url, {field: value for field in FIELD_NAMES})
            assert response.status_code < 500, f"{who} POST {url} with {value}"
            response = client.get(url, {field: value for field in ("kind", "area", "q")})
            assert response.status_code < 500, f"{who} GET {url} with {value}"
    for times in Reminder.objects.values_list("fixed_times", flat=True):
        assert all(time.isascii() for time in times or []), times


def test_the_calendar_feed_with_a_nul_in_its_token_is_a_400_with_a_message(
    client: Client,
) -> None:
    response = client.get("/calendar/a%00b.ics")
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


def test_an_htmx_request_with_a_nul_gets_the_message_as_a_fragment(client: Client) -> None:
    response = client.get("/routines/?area=a%00b", headers={"HX-Request": "true"})
    assert response.status_code == 400
    html = response.content.decode()
    assert NUL_MESSAGE in html
    assert "<html" not in html


def test_a_nul_in_the_session_cookie_is_a_400_not_a_lookup(client: Client) -> None:
    client.cookies["sessionid"] = "abc\x00def"
    response = client.get("/")
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()


def test_a_safety_check_sign_with_a_nul_is_refused_with_a_message(world: dict[str, Any]) -> None:
    routine_url = reverse("safety_check", kwargs=world["kwargs_for"]("safety_check"))
    response = Client().post(routine_url, {"sign": "swollen\x00-leg"})
    assert response.status_code == 400
    assert "Choose one of the signs" in response.content.decode()


def test_a_login_with_a_nul_in_the_username_gets_a_form_error(world: dict[str, Any]) -> None:
    response = Client().post(reverse("login"), {"username": "sa\x00m", "password": "x"})
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()
    assert "_auth_user_id" not in Client().session


@pytest.mark.parametrize("value", BAD_DIGITS)
def test_a_fixed_time_with_non_ascii_digits_is_refused_with_a_message(
    world: dict[str, Any], value: str
) -> None:
    client = signed_in(world["user"])
    before = Reminder.objects.count()
    response = client.post(
        reverse("reminder_create"),
        {"kind": "hydration", "schedule": "fixed", "fixed_times": value, "weekdays": ["0", "1"]},
    )
    assert response.status_code in (200, 400)
    assert ASCII_DIGITS_MESSAGE in response.content.decode()
    assert Reminder.objects.count() == before


@pytest.mark.parametrize("field", ["window_start", "window_end"])
def test_a_window_time_with_non_ascii_digits_is_refused_with_a_message(
    world: dict[str, Any], field: str
) -> None:
    data = {
        "kind": "hydration",
        "schedule": "interval",
        "interval_minutes": "120",
        "window_start": "08:00",
        "window_end": "20:00",
        "weekdays": ["0"],
    }
    data[field] = "٠٨:٠٠" if field == "window_start" else "٢٠:٠٠"
    before = Reminder.objects.count()
    response = signed_in(world["user"]).post(reverse("reminder_create"), data)
    assert ASCII_DIGITS_MESSAGE in response.content.decode()
    assert Reminder.objects.count() == before


def test_quiet_hours_with_fullwidth_digits_are_refused_and_not_saved(
    world: dict[str, Any],
) -> None:
    response = signed_in(world["user"]).post(
        reverse("reminder_settings"),
        {"timezone": "Europe/Berlin", "quiet_start": "２２:００", "quiet_end": "07:00"},
    )
    assert ASCII_DIGITS_MESSAGE in response.content.decode()
    assert Profile.objects.get(user=world["user"]).quiet_start != dt.time(22)


def test_ascii_times_are_still_accepted(world: dict[str, Any]) -> None:
    response = signed_in(world["user"]).post(
        reverse("reminder_create"),
        {"kind": "hydration", "schedule": "fixed", "fixed_times": "8.30, 18:00", "weekdays": ["0"]},
    )
    assert response.status_code in (302, 303)
    assert Reminder.objects.filter(fixed_times=["08:30", "18:00"]).exists()


# Request bodies -----------------------------------------------------------------------------


def _post_with_length(client: Client, url: str, length: int, **extra: Any) -> Any:
    """A POST that claims `length` bytes; the body itself is small, to prove it is not read."""
    return client.generic(
        "POST",
        url,
        b"username=sam",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(length),
        **extra,
    )


@pytest.mark.parametrize("name", URL_NAMES)
def test_an_oversized_body_is_refused_on_every_url(
    world: dict[str, Any], name: str, settings: Any
) -> None:
    url = reverse(name, kwargs=world["kwargs_for"](name))
    limit = (
        settings.ADMIN_REQUEST_BODY_MAX_BYTES
        if url.startswith("/admin/")
        else settings.REQUEST_BODY_MAX_BYTES
    )
    response = _post_with_length(Client(), url, limit + 1)
    assert response.status_code == 413, url
    assert "too large" in response.content.decode()


def test_a_20_mb_login_body_is_refused_before_it_is_read(client: Client) -> None:
    class Unread(io.BytesIO):
        def read(self, *args: Any) -> bytes:
            raise AssertionError("the body was read")

    response = client.generic(
        "POST",
        reverse("login"),
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(20 * 1_048_576),
        **{"wsgi.input": Unread()},
    )
    assert response.status_code == 413
    assert "the limit is 3.0 MB" in response.content.decode()


def test_a_body_at_the_limit_is_accepted(client: Client, settings: Any) -> None:
    settings.REQUEST_BODY_MAX_BYTES = 200
    body = b"username=sam&password=" + b"x" * (200 - 22)
    assert len(body) == 200
    response = client.generic(
        "POST", reverse("login"), body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200  # the login form, with its error
    assert "too large" not in response.content.decode()


def test_a_chunked_body_without_a_length_is_refused(client: Client) -> None:
    response = client.generic(
        "POST",
        reverse("login"),
        b"",
        content_type="application/x-www-form-urlencoded",
        HTTP_TRANSFER_ENCODING="chunked",
        CONTENT_LENGTH="",
    )
    assert response.status_code == 411
    assert "Content-Length" in response.content.decode()


def test_the_admin_takes_bigger_bodies_for_photos(client: Client, settings: Any) -> None:
    size = settings.REQUEST_BODY_MAX_BYTES + 1
    assert size <= settings.ADMIN_REQUEST_BODY_MAX_BYTES
    body = b"username=" + b"x" * (size - 9)
    kind = "application/x-www-form-urlencoded"
    response = client.generic("POST", reverse("admin:login"), body, content_type=kind)
    assert response.status_code != 413
    assert "too large" not in response.content.decode()
    response = client.generic("POST", reverse("login"), body, content_type=kind)
    assert response.status_code == 413


def test_a_nul_that_still_reaches_postgresql_is_a_400_not_a_500(rf: Any) -> None:
    from django.db import DataError

    from project.middleware import RequestGuardMiddleware

    guard = RequestGuardMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    error = DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
    response = guard.process_exception(rf.post("/"), error)
    assert response is not None
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()
    assert guard.process_exception(rf.post("/"), DataError("value too long")) is None
