"""The first step of a relief routine gives someone in pain time to sit or lie down (issue 9:
5 s was tight). The built-in data says so; `load_library` puts it into new databases only,
as it never changes a routine that is already there (staff edits survive)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from routines.content.library.routines import ROUTINES
from routines.content.library.types import RoutineData
from routines.content.models import Purpose, Routine, StepKind

#: Seconds the first step of a relief routine gives, at least, to get into position.
GET_INTO_POSITION = 10

RELIEF = [routine for routine in ROUTINES if routine.purpose == Purpose.RELIEF]


@pytest.mark.parametrize("routine", RELIEF, ids=lambda r: r.slug)
def test_a_relief_routine_starts_with_time_to_get_into_position(routine: RoutineData) -> None:
    first = routine.steps[0]
    if first.kind == StepKind.POSITION:
        assert first.duration_seconds is not None
        assert first.duration_seconds >= GET_INTO_POSITION, first.title


@pytest.mark.django_db
def test_a_new_database_gets_ten_seconds_and_a_reload_keeps_a_staff_edit() -> None:
    call_command("load_library", verbosity=0)
    calf = Routine.objects.get(slug="calf-cramp-relief")
    first = calf.steps.order_by("order").first()
    assert first is not None and first.duration_seconds == GET_INTO_POSITION
    first.duration_seconds = 20  # an editor's choice
    first.save()
    call_command("load_library", verbosity=0)
    first.refresh_from_db()
    assert first.duration_seconds == 20
