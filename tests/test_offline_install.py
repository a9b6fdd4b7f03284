"""Installable and offline, from the server's side: the web app manifest, the icons command,
the service worker at /sw.js and what it precaches, the offline pages, and the upload of runs
done offline (POST /runs/offline/). The browser side is tests/test_offline_browser.py."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from PIL import Image

from routines.content.models import Purpose
from routines.home import offline
from routines.home.management.commands.make_icons import ICONS, SOURCE
from routines.player.models import Run
from routines.player.sessions import GUEST_RUNS

from .factories import make_routine, make_sign, make_triage_level
from .helpers.people import signed_in

ROOT = Path(__file__).resolve().parent.parent
SW_SOURCE = ROOT / "static" / "sw.js"
T0 = dt.datetime(2026, 3, 2, 22, 30, tzinfo=dt.UTC)
UPLOAD = "/runs/offline/"
JSON = {"HTTP_ACCEPT": "application/json"}


def icon_file(url: str) -> Path:
    """The static file behind a /static/ URL (tests serve unhashed names)."""
    path = finders.find(url.removeprefix("/static/"))
    assert path, f"{url} is not a static file"
    return Path(path)


# The manifest -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_manifest_is_served_at_a_stable_address_as_a_manifest(client: Client) -> None:
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    assert "max-age=3600" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["name"] == "Unknot" and data["short_name"] == "Unknot"
    assert data["display"] == "standalone"
    assert data["start_url"] == "/" and data["scope"] == "/"
    assert data["theme_color"] == "#0f5e63"
    assert re.fullmatch(r"#[0-9a-f]{6}", data["background_color"])


@pytest.mark.django_db
def test_the_manifest_shortcuts_open_cramp_now_and_the_water_log(client: Client) -> None:
    data = client.get("/manifest.webmanifest").json()
    shortcuts = {s["name"]: s["url"] for s in data["shortcuts"]}
    assert list(shortcuts) == ["Cramp now", "+1 glass"]
    assert shortcuts["Cramp now"] == "/#cramp-now-title"
    home = client.get("/").content.decode()
    assert 'id="cramp-now-title"' in home
    assert shortcuts["+1 glass"] == reverse("hydration")


@pytest.mark.django_db
def test_every_manifest_icon_is_a_real_image_of_its_stated_size(client: Client) -> None:
    icons = client.get("/manifest.webmanifest").json()["icons"]
    pngs = [i for i in icons if i["type"] == "image/png"]
    purposes = {(i["sizes"], i["purpose"]) for i in pngs}
    assert purposes == {
        ("192x192", "any"),
        ("512x512", "any"),
        ("192x192", "maskable"),
        ("512x512", "maskable"),
    }
    for icon in pngs:
        with Image.open(icon_file(icon["src"])) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]
            assert image.format == "PNG"
            if icon["purpose"] == "maskable":  # full-bleed: no transparent corners
                assert image.mode == "RGB"


@pytest.mark.django_db
def test_every_page_links_the_manifest_touch_icon_and_favicon(client: Client) -> None:
    html = client.get("/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    touch = re.search(r'<link rel="apple-touch-icon" href="([^"]+)"', html)
    assert touch
    with Image.open(icon_file(touch[1])) as image:
        assert image.size == (180, 180) and image.mode == "RGB"  # iOS shows no transparency
    favicon = re.search(r'<link rel="icon" href="([^"]+\.ico)"', html)
    assert favicon
    with Image.open(icon_file(favicon[1])) as image:
        assert image.info["sizes"] == {(16, 16), (32, 32), (48, 48)}
    assert re.search(r'<script type="module" src="/static/js/pwa\.js"></script>', html)


# make_icons -------------------------------------------------------------------------------


def test_make_icons_makes_every_size_from_the_one_source(tmp_path: Path) -> None:
    call_command("make_icons", output=tmp_path, stdout=open("/dev/null", "w"))  # noqa: SIM115
    for name, size, kind in ICONS:
        with Image.open(tmp_path / name) as image:
            assert image.size == (size, size), name
            corner = image.convert("RGBA").getpixel((0, 0))
            if kind == "any":
                assert corner[3] == 0, f"{name} should keep its transparent corners"
            else:
                assert corner == (0x0F, 0x5E, 0x63, 255), f"{name} should be full-bleed"
    with Image.open(tmp_path / "favicon.ico") as image:
        assert image.info["sizes"] == {(16, 16), (32, 32), (48, 48)}


def test_a_maskable_icon_keeps_its_artwork_inside_the_safe_zone(tmp_path: Path) -> None:
    call_command("make_icons", output=tmp_path, stdout=open("/dev/null", "w"))  # noqa: SIM115
    with Image.open(tmp_path / "icon-maskable-512.png") as image:
        background = image.getpixel((0, 0))
        # Whatever is not background lies within the central circle of 80% (radius 204.8).
        for x, y in ((60, 256), (452, 256), (256, 60), (256, 452), (110, 110), (400, 400)):
            assert image.getpixel((x, y)) == background, (x, y)
        assert image.getpixel((256, 256)) != background  # the artwork is there


def test_the_committed_icons_are_the_commands_output(tmp_path: Path) -> None:
    """The icons in static/img/ are committed: regenerate them (make icons) with the source."""
    call_command("make_icons", output=tmp_path, stdout=open("/dev/null", "w"))  # noqa: SIM115
    for name in [n for n, _, _ in ICONS] + ["favicon.ico"]:
        made = (tmp_path / name).read_bytes()
        assert made == (ROOT / "static" / "img" / name).read_bytes(), f"{name} is out of date"


def test_make_icons_refuses_a_source_that_is_not_square_and_writes_nothing(
    tmp_path: Path,
) -> None:
    source = tmp_path / "wide.png"
    Image.new("RGBA", (1024, 600)).save(source)
    out = tmp_path / "out"
    with pytest.raises(CommandError, match="must be square"):
        call_command("make_icons", source=source, output=out)
    assert not out.exists()
    (tmp_path / "junk.png").write_bytes(b"not an image")
    with pytest.raises(CommandError, match="not an image"):
        call_command("make_icons", source=tmp_path / "junk.png", output=out)
    assert SOURCE.exists()


# The service worker -----------------------------------------------------------------------


def precache_of(client: Client) -> dict[str, Any]:
    body = client.get("/sw.js").content.decode()
    first, _, rest = body.partition("\n")
    match = re.fullmatch(r"const PRECACHE = (\{.*\});", first)
    assert match, first
    assert rest == SW_SOURCE.read_text()
    return json.loads(match[1])


@pytest.fixture
def library(db: None) -> dict[str, Any]:
    """A relief routine, a prevention routine, a draft and a routine without steps."""
    level = make_triage_level("Get help now", stops_routine=True)
    make_sign(level, "The leg is cold and pale.", key="cold-leg")
    return {
        "relief": make_routine("Calf relief", purpose=Purpose.RELIEF, situations=["cramp-now"]),
        "prevention": make_routine("Bedtime stretch", steps=[{"duration_seconds": 20}] * 2),
        "draft": make_routine("Secret draft", published=False),
        "empty": make_routine("Nothing yet", steps=[]),
    }


@pytest.mark.django_db
def test_the_service_worker_is_served_at_the_root_with_its_scope_and_no_caching(
    client: Client, library: dict[str, Any]
) -> None:
    response = client.get("/sw.js")
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    again = client.get("/sw.js", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""


def test_the_service_worker_loads_nothing_from_other_origins() -> None:
    source = SW_SOURCE.read_text()
    assert "importScripts" not in source
    assert "http://" not in source and "https://" not in source


@pytest.mark.django_db
def test_the_precache_holds_the_shell_every_published_routine_and_the_players_files(
    client: Client, library: dict[str, Any]
) -> None:
    urls = precache_of(client)["urls"]
    relief, prevention = library["relief"], library["prevention"]
    for page in ["/", "/routines/", "/help/", "/offline/", "/offline/run/"]:
        assert page in urls
    assert relief.get_absolute_url() in urls
    assert f"/routines/{relief.slug}/check/" in urls
    assert prevention.get_absolute_url() in urls
    assert f"/routines/{prevention.slug}/check/" not in urls  # no safety check before it
    assert library["draft"].get_absolute_url() not in urls
    for name in ["css/app.css", "js/player.js", "js/pwa.js", "js/offline-run.js"]:
        assert f"/static/{name}" in urls
    players = {p.name for p in (ROOT / "static" / "js" / "player").glob("*.js")}
    assert {u.rsplit("/", 1)[1] for u in urls if "/js/player/" in u} == players
    assert any(re.search(r"/static/django_htmx/htmx-2(\.min)?\.js$", u) for u in urls)
    assert "/sw.js" not in urls and not any("/admin/" in u for u in urls)


@pytest.mark.django_db
def test_every_precached_address_answers_200_so_the_install_can_succeed(
    client: Client, library: dict[str, Any]
) -> None:
    for url in precache_of(client)["urls"]:
        response = client.get(url)
        assert response.status_code == 200, url
        if response.streaming:  # a static file: read it (closing it here would end the
            assert b"".join(response.streaming_content)  # test's database connection)


@pytest.mark.django_db
def test_the_version_changes_with_the_content_and_not_otherwise(
    client: Client, library: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    first = precache_of(client)["version"]
    assert precache_of(client)["version"] == first
    with django_capture_on_commit_callbacks(execute=True):
        step = library["prevention"].steps.first()
        step.duration_seconds = 25
        step.save()
    edited = precache_of(client)["version"]
    assert edited != first
    with django_capture_on_commit_callbacks(execute=True):
        library["draft"].published = True
        library["draft"].save()
    published = precache_of(client)
    assert published["version"] not in (first, edited)
    assert library["draft"].get_absolute_url() in published["urls"]


@pytest.mark.django_db
def test_the_precache_names_hashed_static_files_from_the_manifest(
    tmp_path: Path, settings: Any, library: dict[str, Any]
) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "project.settings"}
        | {"SECRET_KEY": "x" * 60, "ENV_FILE": "/dev/null", "STATIC_ROOT": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "project.storage.StaticFilesStorage"},
    }
    hashed = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    urls = offline.precache().urls
    assert f"/static/{hashed['js/player.js']}" in urls
    assert f"/static/{hashed['css/app.css']}" in urls
    assert "/static/js/player.js" not in urls
    for url in urls:
        if url.startswith("/static/"):
            assert (tmp_path / url.removeprefix("/static/")).exists(), url


# The offline pages ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_offline_page_says_so_and_offers_what_works_offline(client: Client) -> None:
    html = client.get("/offline/").content.decode()
    assert "<h1>No connection</h1>" in html
    for url in ["/", "/routines/", "/help/"]:
        assert f'href="{url}"' in html


@pytest.mark.django_db
def test_the_offline_player_carries_every_published_routines_phases(
    client: Client, library: dict[str, Any]
) -> None:
    html = client.get("/offline/run/").content.decode()
    data = json.loads(re.search(r'id="offline-routines"[^>]*>(.*?)</script>', html, re.S)[1])
    assert set(data) == {library["relief"].slug, library["prevention"].slug}
    prevention = data[library["prevention"].slug]
    assert [p["kind"] for p in prevention["phases"]] == ["ready", "work", "work"]
    assert prevention["relief"] is False and data[library["relief"].slug]["relief"] is True
    assert "<script" not in html.split('id="offline-routines"')[1].split("</script>", 1)[0][1:]


# Uploading a run done offline -------------------------------------------------------------


def upload(
    client: Client,
    routine_slug: str,
    *,
    client_id: uuid.UUID | None = None,
    started_ago_ms: int = 60_000,
    controls: list[list[Any]] | None = None,
    lead_in: bool = False,
    phone_clock: int = 1_700_000_000_000,
    **headers: Any,
) -> Any:
    """POST a run as js/player/offline.js does: the phone's clock is `phone_clock` (wrong on
    purpose), the run started `started_ago_ms` before it was sent."""
    data = {
        "client_id": str(client_id or uuid.uuid4()),
        "routine": routine_slug,
        "lead_in": "1" if lead_in else "",
        "started_at": str(phone_clock - started_ago_ms),
        "sent_at": str(phone_clock),
        "controls": json.dumps(controls or []),
    }
    return client.post(UPLOAD, data, **headers)


@pytest.fixture
def routine(db: None) -> Any:
    """Two 20-second steps with a 10-second rest between: 50 s in all."""
    return make_routine(
        "Bedtime stretch",
        steps=[{"duration_seconds": 20, "rest_after_seconds": 10}, {"duration_seconds": 20}],
    )


@pytest.mark.django_db
def test_a_whole_run_done_offline_is_saved_finished_at_the_server_time(
    client_sam: Client, sam: Any, routine: Any, clock: Any
) -> None:
    client_id = uuid.uuid4()
    response = upload(client_sam, routine.slug, client_id=client_id, started_ago_ms=60_000, **JSON)
    assert response.status_code == 201
    run = Run.objects.get()
    assert response.json() == {"id": str(run.id), "url": f"/runs/{run.id}/", "duplicate": False}
    assert run.client_id == client_id and run.user == sam
    assert run.started_at == T0 - dt.timedelta(seconds=60)  # the phone's clock is not used
    assert run.finished_at == T0 - dt.timedelta(seconds=10)  # 50 s after it started
    assert not run.ended_early and run.skipped == []


@pytest.mark.django_db
def test_the_controls_tapped_offline_are_replayed_when_they_happened(
    client_sam: Client, routine: Any, clock: Any
) -> None:
    phone = 1_700_000_000_000
    controls = [
        ["pause", 0, phone - 55_000],  # 5 s in
        ["resume", 0, phone - 45_000],  # 10 s paused
        ["skip", 1, phone - 28_000],  # the rest (from -30 s, after the pause), 2 s in
    ]
    response = upload(
        client_sam, routine.slug, started_ago_ms=60_000, controls=controls, phone_clock=phone
    )
    assert response.status_code == 303
    run = Run.objects.get()
    assert response["Location"] == f"/runs/{run.id}/"
    assert run.skipped == [1]
    assert run.total_paused_ms == 10_000
    assert run.finished_at == T0 - dt.timedelta(seconds=8)  # the last step: 20 s after the skip
    assert run.last_control_at == T0 - dt.timedelta(seconds=28)


@pytest.mark.django_db
def test_an_htmx_upload_is_told_where_the_run_is(client_sam: Client, routine: Any) -> None:
    response = upload(client_sam, routine.slug, HTTP_HX_REQUEST="true")
    run = Run.objects.get()
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"/runs/{run.id}/"


@pytest.mark.django_db
def test_a_json_body_is_accepted_too(client_sam: Client, routine: Any) -> None:
    body = {
        "client_id": str(uuid.uuid4()),
        "routine": routine.slug,
        "lead_in": True,
        "started_at": 1_000,
        "sent_at": 2_000,
        "controls": [["end", 0, 1_500]],
    }
    response = client_sam.post(UPLOAD, body, content_type="application/json", **JSON)
    assert response.status_code == 201
    run = Run.objects.get()
    assert run.lead_in and run.phases[0]["kind"] == "ready"
    assert run.ended_early


@pytest.mark.django_db
def test_the_same_run_sent_twice_is_saved_once(client_sam: Client, routine: Any) -> None:
    client_id = uuid.uuid4()
    first = upload(client_sam, routine.slug, client_id=client_id, **JSON)
    again = upload(client_sam, routine.slug, client_id=client_id, started_ago_ms=5_000, **JSON)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == {**first.json(), "duplicate": True}
    assert Run.objects.count() == 1
    assert Run.objects.get().started_at < Run.objects.get().finished_at  # the first one's


@pytest.mark.django_db
def test_someone_elses_run_id_is_a_404_and_changes_nothing(
    client_sam: Client, robin: Any, routine: Any
) -> None:
    client_id = uuid.uuid4()
    upload(client_sam, routine.slug, client_id=client_id)
    before = list(Run.objects.values())
    response = upload(signed_in(robin), routine.slug, client_id=client_id, **JSON)
    assert response.status_code == 404
    assert list(Run.objects.values()) == before
    guest = upload(Client(), routine.slug, client_id=client_id)
    assert guest.status_code == 404


@pytest.mark.django_db
def test_a_guests_offline_run_is_theirs_in_this_browser_only(routine: Any) -> None:
    guest = Client()
    client_id = uuid.uuid4()
    assert upload(guest, routine.slug, client_id=client_id).status_code == 303
    run = Run.objects.get()
    assert run.user is None
    assert guest.session[GUEST_RUNS] == [str(run.id)]
    assert guest.get(f"/runs/{run.id}/").status_code == 200
    assert upload(guest, routine.slug, client_id=client_id, **JSON).json()["duplicate"] is True
    assert upload(Client(), routine.slug, client_id=client_id).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"client_id": "not-a-uuid"}, "The run's id is not valid."),
        ({"routine": ""}, "This field is required."),
        ({"controls": '[["dance", 0, 1]]'}, "The run's controls are not valid."),
        ({"controls": "{not json"}, "Enter a valid JSON."),
        ({"controls": '[["skip", -1, 1]]'}, "The run's controls are not valid."),
        ({"controls": '[["skip", 0]]'}, "The run's controls are not valid."),
        ({"sent_at": "500"}, "The run cannot end before it started."),
        ({"started_at": "0", "sent_at": str(25 * 3600 * 1000)}, "That run is more than a day old."),
        (
            {
                "started_at": "1000",
                "sent_at": "9000",
                "controls": '[["skip",0,5000],["skip",1,2000]]',
            },
            "The run's controls are not in order.",
        ),
        ({"controls": json.dumps([["skip", 0, 1500]] * 201)}, "The run's controls are not valid."),
        ({"started_at": "1000\x00"}, "Enter a whole number."),
    ],
)
def test_bad_input_is_refused_with_a_reason_and_saves_nothing(
    client_sam: Client, routine: Any, change: dict[str, str], message: str
) -> None:
    data = {
        "client_id": str(uuid.uuid4()),
        "routine": routine.slug,
        "started_at": "1000",
        "sent_at": "2000",
        "controls": "[]",
        **change,
    }
    response = client_sam.post(UPLOAD, data, **JSON)
    assert response.status_code == 400
    assert message in response.json()["error"]
    page = client_sam.post(UPLOAD, data)
    assert page.status_code == 400
    assert "This run could not be saved" in page.content.decode()
    assert message in page.content.decode().replace("&#x27;", "'")
    assert not Run.objects.exists()


@pytest.mark.django_db
def test_a_step_the_routine_does_not_have_is_refused(client_sam: Client, routine: Any) -> None:
    response = upload(client_sam, routine.slug, controls=[["skip", 9, 1_699_999_990_000]], **JSON)
    assert response.status_code == 400
    assert response.json()["error"] == "That step is not in this routine."
    assert not Run.objects.exists()


@pytest.mark.django_db
def test_a_draft_or_unknown_routine_is_a_404(client_sam: Client) -> None:
    draft = make_routine("Draft", published=False)
    assert upload(client_sam, draft.slug).status_code == 404
    assert upload(client_sam, "no-such-routine").status_code == 404
    assert not Run.objects.exists()


@pytest.mark.django_db
def test_an_upload_needs_the_csrf_token(sam: Any, routine: Any) -> None:
    strict = signed_in(sam, Client(enforce_csrf_checks=True))
    assert upload(strict, routine.slug).status_code == 403
    assert not Run.objects.exists()


@pytest.mark.django_db
def test_only_post_is_allowed(client_sam: Client) -> None:
    assert client_sam.get(UPLOAD).status_code == 405


@pytest.mark.django_db
def test_offline_runs_count_against_the_guest_limit_but_a_repeat_does_not(
    settings: Any, routine: Any
) -> None:
    settings.GUEST_RUNS_PER_SESSION_PER_HOUR = 2
    guest = Client()
    first = uuid.uuid4()
    assert upload(guest, routine.slug, client_id=first).status_code == 303
    assert upload(guest, routine.slug).status_code == 303
    refused = upload(guest, routine.slug, **JSON)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "routines in the last hour" in refused.json()["error"]
    assert Run.objects.count() == 2
    assert upload(guest, routine.slug, client_id=first, **JSON).json()["duplicate"] is True


@pytest.mark.django_db
def test_in_development_before_collectstatic_the_precache_still_lists_the_static_files(
    tmp_path: Path, settings: Any
) -> None:
    settings.DEBUG = True
    settings.STATIC_ROOT = tmp_path  # no staticfiles.json here
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "project.storage.StaticFilesStorage"},
    }
    urls = offline.precache().urls
    assert "/static/css/app.css" in urls and "/static/js/player.js" in urls


PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


@pytest.mark.django_db
def test_pictures_are_saved_where_they_can_be_never_required_for_the_install(
    client: Client, settings: Any, tmp_path: Path
) -> None:
    from django.core.files.base import ContentFile

    from routines.content.models import Image

    settings.MEDIA_ROOT = tmp_path
    picture = Image.objects.create(file=ContentFile(PIXEL, name="step.png"), alt="A towel")
    cover = Image.objects.create(file=ContentFile(PIXEL, name="cover.png"), alt="A calf")
    routine = make_routine("Towel stretch")
    step = routine.steps.get()
    step.image = picture
    step.save()
    routine.cover = cover
    routine.save()
    make_routine("Draft", published=False).steps.update(image=cover)
    data = precache_of(client)
    assert set(data["pictures"]) == {picture.file.url, cover.file.url}
    assert not set(data["pictures"]) & set(data["urls"])


@pytest.mark.django_db
def test_the_database_refuses_a_second_run_with_the_same_client_id(routine: Any) -> None:
    from django.db import IntegrityError, transaction

    client_id = uuid.uuid4()
    now = dt.datetime(2026, 3, 2, 22, 30, tzinfo=dt.UTC)

    def record() -> Run:
        return Run.record_offline(
            routine,
            user=None,
            client_id=client_id,
            lead_in=False,
            started_at=now - dt.timedelta(minutes=1),
            controls=[],
            now=now,
        )

    record()
    with pytest.raises(IntegrityError), transaction.atomic():
        record()
    assert Run.objects.filter(client_id=client_id).count() == 1
