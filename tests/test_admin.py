"""The staff admin: routines with ordered steps, actions, permissions and picture uploads."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image as PILImage

from routines.content.admin import format_total_time
from routines.content.models import BodyArea, Image, Purpose, Routine, Situation, Source, Step

from .helpers.people import signed_in

CHANGELIST = reverse("admin:content_routine_changelist")
ADD = reverse("admin:content_routine_add")

EDITOR_MODELS = [
    "routine",
    "step",
    "image",
    "learnarticle",
    "claim",
    "source",
    "situation",
    "bodyarea",
    "triagelevel",
    "safetysign",
    "disclaimer",
]


@pytest.fixture
def editor(db: None) -> User:
    user = User.objects.create_user("editor", "editor@example.com", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Content editors"))
    return user


@pytest.fixture
def editor_client(editor: User) -> Client:
    return signed_in(editor)


@pytest.fixture
def calf(db: None) -> BodyArea:
    return BodyArea.objects.create(slug="calf", name="Calf", order=1)


@pytest.fixture
def foot(db: None) -> BodyArea:
    return BodyArea.objects.create(slug="foot", name="Foot", order=2)


@pytest.fixture
def bedtime(db: None) -> Situation:
    return Situation.objects.create(slug="bedtime", name="Bedtime", order=1)


def make_routine(slug: str = "calf-stretch", steps: int = 2, **fields: Any) -> Routine:
    fields = {"title": "Calf stretch", "summary": "Stretch the calf.", **fields}
    routine = Routine.objects.create(slug=slug, purpose=Purpose.RELIEF, **fields)
    for number in range(1, steps + 1):
        Step.objects.create(
            routine=routine,
            order=number,
            title=f"Step {number}",
            instruction="Hold it.",
            duration_seconds=30,
        )
    return routine


def routine_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "title": "Wall calf stretch",
        "slug": "wall-calf-stretch",
        "summary": "A gentle stretch against a wall.",
        "purpose": "relief",
        "order": "0",
        "safety_notes": "",
        "evidence": "weak",
        "evidence_note": "",
        "cover": "",
    }
    data.update(overrides)
    return data


def steps_data(steps: list[dict[str, Any]], initial: int = 0) -> dict[str, Any]:
    """The inline formset for steps, with its management form."""
    data: dict[str, Any] = {
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": str(initial),
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for index, step in enumerate(steps):
        values = {
            "id": "",
            "kind": "stretch",
            "instruction": "Lean into the wall.",
            "duration_seconds": "",
            "reps": "",
            "side": "none",
            "rest_after_seconds": "0",
            "image": "",
            **step,
        }
        for name, value in values.items():
            data[f"steps-{index}-{name}"] = value
    return data


def jpeg_bytes(size: tuple[int, int] = (2000, 1500)) -> bytes:
    picture = PILImage.merge("RGB", [PILImage.effect_noise(size, 60) for _ in range(3)])
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def messages_in(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# Creating and ordering steps ---------------------------------------------------------------


def test_staff_create_a_routine_with_two_steps(
    editor_client: Client, calf: BodyArea, bedtime: Situation
) -> None:
    data = routine_data(body_areas=[calf.pk], situations=[bedtime.pk])
    data |= steps_data(
        [
            {"title": "Face the wall", "duration_seconds": "30", "side": "each", "order": "1"},
            {"title": "Toe raises", "reps": "10", "order": "2", "rest_after_seconds": "15"},
        ]
    )

    response = editor_client.post(ADD, data)

    assert response.status_code == 302, response.context["errors"]
    routine = Routine.objects.get(slug="wall-calf-stretch")
    assert not routine.published
    assert list(routine.body_areas.all()) == [calf]
    assert list(routine.situations.all()) == [bedtime]
    steps = list(routine.steps.all())
    assert [step.title for step in steps] == ["Face the wall", "Toe raises"]
    assert (steps[0].duration_seconds, steps[0].reps) == (30, None)
    assert (steps[1].duration_seconds, steps[1].reps) == (None, 10)
    # The rest after the last step is not played, so not counted.
    assert routine.total_seconds == 30 * 2 + 10 * 3


def test_steps_posted_without_an_order_keep_the_order_of_the_form(
    editor_client: Client,
) -> None:
    data = routine_data() | steps_data(
        [
            {"title": "First", "duration_seconds": "20", "order": "0"},
            {"title": "Second", "duration_seconds": "20", "order": ""},
            {"title": "Third", "reps": "5", "order": "0"},
        ]
    )

    response = editor_client.post(ADD, data)

    assert response.status_code == 302, response.context["errors"]
    steps = Routine.objects.get().steps.all()
    assert [(step.title, step.order) for step in steps] == [
        ("First", 1),
        ("Second", 2),
        ("Third", 3),
    ]


def test_reordering_steps_saves_the_new_order(editor_client: Client) -> None:
    routine = make_routine(steps=3)
    first, second, third = routine.steps.all()
    data = routine_data(title=routine.title, slug=routine.slug)
    data |= steps_data(
        [
            {
                "id": str(first.pk),
                "routine": str(routine.pk),
                "title": first.title,
                "duration_seconds": "30",
                "order": "3",
            },
            {
                "id": str(second.pk),
                "routine": str(routine.pk),
                "title": second.title,
                "duration_seconds": "30",
                "order": "1",
            },
            {
                "id": str(third.pk),
                "routine": str(routine.pk),
                "title": third.title,
                "duration_seconds": "30",
                "order": "2",
            },
        ],
        initial=3,
    )

    response = editor_client.post(reverse("admin:content_routine_change", args=[routine.pk]), data)

    assert response.status_code == 302, response.context["errors"]
    assert [step.title for step in routine.steps.all()] == ["Step 2", "Step 3", "Step 1"]


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (
            {"duration_seconds": "30", "reps": "10"},
            "Give either a duration or a number of reps, not both.",
        ),
        ({}, "Give either a duration or a number of reps, not both."),
        ({"duration_seconds": "0"}, "A duration must be between 1 second and 30 minutes."),
        ({"duration_seconds": "1860"}, "A duration must be between 1 second and 30 minutes."),
        ({"reps": "101"}, "Reps must be between 1 and 100."),
        ({"duration_seconds": "30", "rest_after_seconds": "601"}, "Rest after a step"),
    ],
)
def test_bad_step_shows_the_error_on_the_inline_and_saves_nothing(
    editor_client: Client, step: dict[str, str], message: str
) -> None:
    data = routine_data() | steps_data(
        [
            {"title": "Good", "duration_seconds": "20", "order": "1"},
            {"title": "Bad", "order": "2", **step},
        ]
    )

    response = editor_client.post(ADD, data)

    assert response.status_code == 200
    inline = response.context["inline_admin_formsets"][0].formset
    assert inline.errors[0] == {}
    assert message in " ".join(inline.errors[1]["__all__"])
    assert message in response.content.decode()
    assert not Routine.objects.exists()
    assert not Step.objects.exists()


def test_bad_step_on_an_existing_routine_changes_nothing(editor_client: Client) -> None:
    routine = make_routine(steps=1)
    step = routine.steps.get()
    data = routine_data(title="Renamed", slug=routine.slug) | steps_data(
        [
            {
                "id": str(step.pk),
                "routine": str(routine.pk),
                "title": "Changed",
                "duration_seconds": "30",
                "reps": "5",
                "order": "1",
            }
        ],
        initial=1,
    )

    response = editor_client.post(reverse("admin:content_routine_change", args=[routine.pk]), data)

    assert response.status_code == 200
    routine.refresh_from_db()
    step.refresh_from_db()
    assert (routine.title, step.title, step.reps) == ("Calf stretch", "Step 1", None)


# Changelist, total time and actions --------------------------------------------------------


def test_total_time_is_shown_as_minutes_and_seconds() -> None:
    assert format_total_time(0) == "0:00"
    assert format_total_time(65) == "1:05"
    assert format_total_time(12 * 60) == "12:00"


def test_changelist_shows_total_time_and_areas(
    admin_client: Client, calf: BodyArea, foot: BodyArea
) -> None:
    routine = make_routine(steps=3)  # 3 x 30 s
    routine.body_areas.set([calf, foot])

    response = admin_client.get(CHANGELIST)

    html = response.content.decode()
    assert re.search(r'class="field-total_time">1:30<', html)
    assert re.search(r'class="field-areas">Calf, Foot<', html)


def test_change_form_shows_total_time_read_only(admin_client: Client) -> None:
    routine = make_routine(steps=4)

    response = admin_client.get(reverse("admin:content_routine_change", args=[routine.pk]))

    html = response.content.decode()
    assert re.search(r'<div class="readonly">2:00</div>', html)
    assert 'name="total_time"' not in html


def changelist_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_changelist_queries_do_not_grow_with_routines(
    admin_client: Client, calf: BodyArea, foot: BodyArea
) -> None:
    for number in range(5):
        make_routine(slug=f"routine-{number}", title=f"Routine {number}").body_areas.set([calf])
    few = changelist_queries(admin_client)
    for number in range(5, 30):
        routine = make_routine(slug=f"routine-{number}", title=f"Routine {number}")
        routine.body_areas.set([calf, foot])

    many = changelist_queries(admin_client)

    assert Routine.objects.count() == 30
    assert many == few


def post_action(client: Client, action: str, routines: list[Routine]) -> Any:
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [str(routine.pk) for routine in routines]},
        follow=True,
    )


def test_publish_action_publishes_and_says_how_many_changed(editor_client: Client) -> None:
    draft_a = make_routine(slug="a")
    draft_b = make_routine(slug="b")
    live = make_routine(slug="c", published=True)
    untouched = make_routine(slug="d")

    response = post_action(editor_client, "publish", [draft_a, draft_b, live])

    assert messages_in(response) == ["Published 2 routines."]
    assert set(Routine.objects.filter(published=True).values_list("slug", flat=True)) == {
        "a",
        "b",
        "c",
    }
    untouched.refresh_from_db()
    assert not untouched.published


def test_unpublish_action_unpublishes(editor_client: Client) -> None:
    live = make_routine(slug="a", published=True)
    other = make_routine(slug="b", published=True)

    response = post_action(editor_client, "unpublish", [live])

    assert messages_in(response) == ["Unpublished 1 routine."]
    live.refresh_from_db()
    other.refresh_from_db()
    assert (live.published, other.published) == (False, True)


def test_publish_action_on_published_routines_says_nothing_changed(editor_client: Client) -> None:
    live = make_routine(published=True)

    response = post_action(editor_client, "publish", [live])

    assert messages_in(response) == [
        "Nothing changed: the selected routines were already published."
    ]


def test_duplicate_action_copies_steps_and_tags_with_a_unique_slug(
    editor_client: Client, calf: BodyArea, bedtime: Situation
) -> None:
    original = make_routine(steps=2, published=True)
    original.body_areas.set([calf])
    original.situations.set([bedtime])
    source = Source.objects.create(code="S1", title="A review")
    original.sources.set([source])

    post_action(editor_client, "duplicate", [original])
    response = post_action(editor_client, "duplicate", [original])

    first = Routine.objects.get(slug="calf-stretch-copy")
    second = Routine.objects.get(slug="calf-stretch-copy-2")
    assert messages_in(response) == ["Made 1 copy, unpublished: Calf stretch (copy)."]
    for copy in (first, second):
        assert copy.title == "Calf stretch (copy)"
        assert not copy.published
        assert list(copy.body_areas.all()) == [calf]
        assert list(copy.situations.all()) == [bedtime]
        assert list(copy.sources.all()) == [source]
        assert [(s.title, s.order, s.duration_seconds) for s in copy.steps.all()] == [
            ("Step 1", 1, 30),
            ("Step 2", 2, 30),
        ]
    original_steps = set(original.steps.values_list("pk", flat=True))
    assert len(original_steps) == 2
    assert not original_steps & set(first.steps.values_list("pk", flat=True))
    original.refresh_from_db()
    assert original.published and original.title == "Calf stretch"


def test_search_finds_routines_by_step_title(admin_client: Client) -> None:
    make_routine(slug="a", title="Evening routine")
    other = make_routine(slug="b", title="Morning routine", steps=0)
    Step.objects.create(routine=other, title="Towel stretch", instruction="Pull.", reps=5)

    response = admin_client.get(CHANGELIST, {"q": "towel"})

    assert list(response.context["cl"].result_list) == [other]


# Who can get in ----------------------------------------------------------------------------


def test_editor_group_has_exactly_the_content_permissions(db: None) -> None:
    group = Group.objects.get(name="Content editors")

    granted = set(group.permissions.values_list("content_type__app_label", "codename"))

    expected = {
        ("content", f"{action}_{model}")
        for model in EDITOR_MODELS
        for action in ("add", "change", "delete", "view")
    }
    assert granted == expected


def test_editor_can_manage_routines(editor_client: Client) -> None:
    make_routine(title="Calf stretch")

    response = editor_client.get(CHANGELIST)

    assert response.status_code == 200
    assert "Calf stretch" in response.content.decode()
    assert editor_client.get(ADD).status_code == 200


@pytest.mark.parametrize(
    "url", ["/admin/auth/user/", "/admin/auth/group/", "/admin/auth/user/add/"]
)
def test_editor_cannot_manage_users_or_groups(editor_client: Client, url: str) -> None:
    response = editor_client.get(url)
    assert response.status_code == 403
    html = response.content.decode()
    assert "You cannot do that here" in html
    assert "editor@example.com" not in html  # no list of users, no user form
    # Nor can a form be posted there: no user or group is made.
    before = (User.objects.count(), Group.objects.count())
    password = "x-Long-pass-99"
    data = {"username": "intruder", "password1": password, "password2": password, "name": "Ops"}
    assert editor_client.post(url, data).status_code == 403
    assert (User.objects.count(), Group.objects.count()) == before


def test_signed_in_user_without_staff_status_is_sent_to_the_admin_login(
    client: Client, db: None
) -> None:
    user = User.objects.create_user("reader", "reader@example.com", "pw")
    client.force_login(user)

    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={CHANGELIST}"


def test_anonymous_visitor_is_sent_to_the_admin_login(client: Client, db: None) -> None:
    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={CHANGELIST}"


# Pictures ----------------------------------------------------------------------------------


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_uploading_a_photo_stores_a_processed_picture_and_thumbnail(
    editor_client: Client, media_root: Path
) -> None:
    upload = SimpleUploadedFile("IMG_0001 Jane.jpg", jpeg_bytes(), content_type="image/jpeg")

    response = editor_client.post(
        reverse("admin:content_image_add"), {"file": upload, "alt": "A calf stretch"}
    )

    assert response.status_code == 302, response.context["errors"]
    image = Image.objects.get()
    assert re.fullmatch(r"images/[0-9a-f]{32}\.webp", image.file.name)
    assert re.fullmatch(r"thumbs/[0-9a-f]{32}\.webp", image.thumbnail.name)
    assert (image.width, image.height) == (1200, 900)
    assert (image.thumbnail_width, image.thumbnail_height) == (400, 300)
    with PILImage.open(media_root / image.file.name) as stored:
        assert (stored.format, stored.size) == ("WEBP", (1200, 900))
    with PILImage.open(media_root / image.thumbnail.name) as stored:
        assert (stored.format, stored.size) == ("WEBP", (400, 300))
    assert sorted(path.parent.name for path in media_root.rglob("*.webp")) == ["images", "thumbs"]


def test_image_list_shows_a_sized_thumbnail_and_the_description(
    editor_client: Client, media_root: Path
) -> None:
    upload = SimpleUploadedFile("photo.jpg", jpeg_bytes(), content_type="image/jpeg")
    editor_client.post(reverse("admin:content_image_add"), {"file": upload, "alt": "A calf"})
    image = Image.objects.get()

    response = editor_client.get(reverse("admin:content_image_changelist"))

    html = response.content.decode()
    assert f'<img src="/media/{image.thumbnail.name}" width="80" height="60" alt="">' in html
    assert "A calf" in html


def test_editing_the_description_keeps_the_picture(editor_client: Client, media_root: Path) -> None:
    upload = SimpleUploadedFile("photo.jpg", jpeg_bytes((600, 400)), content_type="image/jpeg")
    editor_client.post(reverse("admin:content_image_add"), {"file": upload, "alt": "Old"})
    image = Image.objects.get()

    response = editor_client.post(
        reverse("admin:content_image_change", args=[image.pk]), {"alt": "New"}
    )

    assert response.status_code == 302
    updated = Image.objects.get()
    assert (updated.alt, updated.file.name, updated.thumbnail.name) == (
        "New",
        image.file.name,
        image.thumbnail.name,
    )


def test_replacing_a_picture_removes_the_old_files(
    editor_client: Client, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    upload = SimpleUploadedFile("one.jpg", jpeg_bytes((600, 400)), content_type="image/jpeg")
    editor_client.post(reverse("admin:content_image_add"), {"file": upload, "alt": "One"})
    old = Image.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(
            reverse("admin:content_image_change", args=[old.pk]),
            {"file": SimpleUploadedFile("two.jpg", jpeg_bytes((500, 500))), "alt": "Two"},
        )

    new = Image.objects.get()
    assert (new.width, new.height) == (500, 500)
    assert not (media_root / old.file.name).exists()
    assert not (media_root / old.thumbnail.name).exists()
    assert (media_root / new.file.name).exists()


def test_text_file_named_jpg_shows_the_error_and_creates_nothing(
    editor_client: Client, media_root: Path
) -> None:
    upload = SimpleUploadedFile("photo.jpg", b"not a picture\n" * 50, content_type="image/jpeg")

    response = editor_client.post(
        reverse("admin:content_image_add"), {"file": upload, "alt": "Nothing"}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["file"] == [
        "This file is not a JPEG, PNG or WebP image."
    ]
    assert "This file is not a JPEG, PNG or WebP image." in response.content.decode()
    assert not Image.objects.exists()
    assert not any(media_root.rglob("*"))
