"""The diary's form: one cramp. The quick log on the home page posts only muscle, side and
intensity; the full form adds when, how long, context, what helped and notes.

Every check the database also makes is made here first, so a bad value gets a message next to
its field and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from routines.accounts.zones import resolve_local
from routines.diary.models import Context, CrampEntry, Muscle, Side
from routines.diary.rules import INTENSITY_MAX, INTENSITY_MIN, LASTED_MAX_MINUTES

#: A start this far in the future is a phone clock a little ahead, not a mistake.
CLOCK_SLACK = dt.timedelta(minutes=2)
#: The oldest cramp the diary takes (a typo in the year, not a memory).
OLDEST = dt.timedelta(days=366 * 5)

INTENSITIES = [(n, str(n)) for n in range(INTENSITY_MIN, INTENSITY_MAX + 1)]


class LocalDateTimeField(forms.DateTimeField):
    """A date and time as the person's clock shows it (a `datetime-local` input), read in their
    time zone, not the server's. A time the clock skipped (spring forward) becomes the first
    minute after the jump; a repeated one, its first occurrence."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, *, zone: ZoneInfo, **kwargs: Any) -> None:
        self.zone = zone
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.datetime | None:
        if isinstance(value, str) and any(c.isdigit() and not "0" <= c <= "9" for c in value):
            raise ValidationError("Write the date with the digits 0 to 9.", code="digits")
        # Read as naive wall-clock time, then placed in the person's zone.
        with timezone.override(dt.UTC):
            parsed = super().to_python(value)
        if parsed is None:
            return None
        naive = timezone.make_naive(parsed, dt.UTC)
        return resolve_local(naive.date(), naive.time(), self.zone)[0]

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            return value.astimezone(self.zone).replace(tzinfo=None)
        return value


class CrampForm(forms.ModelForm):
    """One cramp. `now` and `zone` come from the view: the default start is now, in the
    person's zone, and a start in the future is refused."""

    muscle = forms.ChoiceField(
        choices=Muscle.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose where the cramp was.",
            "invalid_choice": "Choose where the cramp was from the list.",
        },
    )
    side = forms.ChoiceField(
        choices=Side.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the side.",
            "invalid_choice": "Choose left, right or both.",
        },
    )
    intensity = forms.TypedChoiceField(
        choices=INTENSITIES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how bad it was, from 1 to 10.",
            "invalid_choice": "How bad it was is a number from 1 to 10.",
        },
    )
    lasted_minutes = forms.IntegerField(
        label="How long it lasted (minutes)",
        required=False,
        min_value=1,
        max_value=LASTED_MAX_MINUTES,
        help_text="Round up: under a minute counts as 1.",
        error_messages={
            "min_value": "A cramp lasts at least 1 minute here (round up).",
            "max_value": f"That is longer than {LASTED_MAX_MINUTES} minutes: check the number.",
        },
    )
    context = forms.ChoiceField(
        label="What you were doing",
        choices=[("", "Not said"), *Context.choices],
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose what you were doing from the list."},
    )

    class Meta:
        model = CrampEntry
        fields = [
            "muscle",
            "side",
            "intensity",
            "started_at",
            "lasted_minutes",
            "context",
            "helped",
            "notes",
        ]
        widgets = {
            "helped": forms.TextInput(attrs={"autocomplete": "off"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"helped": "What helped", "started_at": "When it started"}

    def __init__(self, *args: Any, now: dt.datetime, zone: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now
        self.fields["started_at"] = LocalDateTimeField(
            zone=zone,
            label="When it started",
            required=False,
            help_text="Leave it as it is for now.",
        )
        if self.instance.pk is None and not self.is_bound:
            self.initial.setdefault("started_at", now.replace(second=0, microsecond=0))

    def clean_started_at(self) -> dt.datetime:
        started: dt.datetime | None = self.cleaned_data.get("started_at")
        if started is None:
            # The quick log sends no time: the cramp is now (or, editing, stays as it was).
            return self.instance.started_at if self.instance.pk else self.now
        if started > self.now + CLOCK_SLACK:
            raise ValidationError("That time is in the future. When did the cramp start?")
        if started < self.now - OLDEST:
            raise ValidationError("That is more than five years ago: check the year.")
        return started
