"""Reminder forms: one reminder (kind, routine, schedule, days), the person's reminder settings
(time zone, quiet hours, bedtime), pausing everything until a date, snoozing one reminder, and
the hydration settings (daily goal, fluid limit).

Every form checks what the database constraints also check, so a bad value gets a clear
message next to its field and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from routines.accounts.models import Profile
from routines.accounts.zones import validate_zone
from routines.content.library.routines import DESK_BREAK
from routines.content.models import Purpose, Routine
from routines.reminders.models import Reminder, ReminderKind, ScheduleKind
from routines.reminders.schedule import (
    MAX_FIXED_TIMES,
    MAX_INTERVAL,
    MIN_INTERVAL,
    weekday_mask,
    weekdays_from_mask,
)

#: The stretch routine a new stretch reminder opens unless the person picks another.
DEFAULT_STRETCH_SLUG = DESK_BREAK.slug

#: Monday first, as the weekday bitmask counts (bit 0 = Monday).
WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

#: Offered in the time zone field's suggestions; any IANA name is accepted.
COMMON_ZONES = [
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Helsinki",
    "Europe/Istanbul",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Africa/Nairobi",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Singapore",
    "Asia/Hong_Kong",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Perth",
    "Australia/Adelaide",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "America/St_Johns",
    "America/Halifax",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Mexico_City",
    "America/Bogota",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
]

# ASCII digits only: `\d` would take "08:٣٠" (Arabic-Indic) or fullwidth digits, which were saved
# as written and never fired.
_TIME = re.compile(r"^([0-9]{1,2})[:.h]([0-9]{2})$")
_SEPARATORS = re.compile(r"[\s,;]+")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
ASCII_DIGITS_MESSAGE = "Write times with the digits 0 to 9, like 08:30."


def _other_digits(text: str) -> bool:
    """Digits other than 0-9 (Arabic-Indic, Devanagari, fullwidth...)."""
    return any(char.isdigit() and not ("0" <= char <= "9") for char in text)


class TimeOfDayField(forms.TimeField):
    """A TimeField that refuses digits other than 0-9 with a message (Python's strptime, which
    Django uses, would read them)."""

    def to_python(self, value: Any) -> dt.time | None:
        if isinstance(value, str) and _other_digits(value):
            raise ValidationError(ASCII_DIGITS_MESSAGE, code="ascii_digits")
        return super().to_python(value)


def parse_times(text: str) -> list[str]:
    """ "8:00, 12:30 18.00" -> ["08:00", "12:30", "18:00"]: sorted, without repeats.

    Raises ValidationError naming every value that is not a time of day.
    """
    if _other_digits(text):
        raise ValidationError(ASCII_DIGITS_MESSAGE, code="ascii_digits")
    found: set[str] = set()
    bad: list[str] = []
    for part in _SEPARATORS.split(text.strip()):
        if not part:
            continue
        match = _TIME.match(part)
        if match and int(match[1]) < 24 and int(match[2]) < 60:
            found.add(f"{int(match[1]):02d}:{match[2]}")
        else:
            bad.append(part)
    if bad:
        listed = ", ".join(f"“{value}”" for value in bad)
        raise ValidationError(
            f"{listed} is not a time of day. Write times as hours and minutes, like 08:00 or "
            "18:30.",
            code="bad_time",
        )
    return sorted(found)


class WeekdaysField(forms.TypedMultipleChoiceField):
    """Seven boxes, Monday first; the cleaned value is the list of day numbers (0 = Monday)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=[(str(day), name) for day, name in enumerate(WEEKDAY_NAMES)],
            coerce=int,
            widget=forms.CheckboxSelectMultiple,
            error_messages={
                "required": "Choose at least one day of the week.",
                "invalid_choice": "Choose days from Monday to Sunday.",
            },
            **kwargs,
        )


class ReminderForm(forms.ModelForm):
    """A hydration or stretch reminder. Only the fields of the chosen schedule are kept: an
    interval schedule forgets its fixed times, a fixed one its interval and window."""

    kind = forms.ChoiceField(
        label="Remind me to",
        choices=ReminderKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what to be reminded of."},
    )
    schedule = forms.ChoiceField(
        label="When",
        choices=ScheduleKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the reminder repeats."},
    )
    interval_minutes = forms.IntegerField(
        label="Every (minutes)",
        min_value=MIN_INTERVAL,
        max_value=MAX_INTERVAL,
        help_text=f"From {MIN_INTERVAL} to {MAX_INTERVAL} minutes. 120 is every 2 hours.",
        error_messages={
            "required": "Say how many minutes apart the reminders are.",
            "min_value": f"The shortest gap is {MIN_INTERVAL} minutes.",
            "max_value": f"The longest gap is {MAX_INTERVAL} minutes (8 hours).",
            "invalid": "Give the gap as a whole number of minutes.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 5}),
    )
    window_start = TimeOfDayField(
        label="From",
        widget=TIME_INPUT,
        error_messages={"required": "Say from what time of day."},
    )
    window_end = TimeOfDayField(
        label="Until",
        widget=TIME_INPUT,
        error_messages={"required": "Say until what time of day."},
    )
    fixed_times = forms.CharField(
        label="At these times",
        max_length=200,
        help_text=(
            f"Up to {MAX_FIXED_TIMES} times, separated by commas, for example 08:00, 12:30, 18:00."
        ),
        error_messages={"required": "Give at least one time."},
        widget=forms.TextInput(
            attrs={"inputmode": "text", "autocomplete": "off", "placeholder": "08:00, 12:30"}
        ),
    )
    weekdays = WeekdaysField(label="On these days")
    routine = forms.ModelChoiceField(
        label="Routine",
        queryset=Routine.objects.none(),
        required=False,
        empty_label=None,
        help_text="The routine the reminder opens.",
        error_messages={"invalid_choice": "Choose one of the routines listed."},
    )
    enabled = forms.BooleanField(label="Turned on", required=False)

    #: Which fields the chosen schedule needs; the other schedule's fields are ignored.
    SCHEDULE_FIELDS = {
        ScheduleKind.INTERVAL: ("interval_minutes", "window_start", "window_end"),
        ScheduleKind.FIXED: ("fixed_times",),
    }
    #: The browser never blocks a save: the server says what is missing, in words.
    use_required_attribute = False

    class Meta:
        model = Reminder
        fields = [
            "kind",
            "routine",
            "schedule",
            "interval_minutes",
            "window_start",
            "window_end",
            "fixed_times",
            "weekdays",
            "enabled",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        routines = Routine.objects.published().filter(purpose=Purpose.PREVENTION)
        self.fields["routine"].queryset = routines
        if self.is_bound:
            chosen = self.data.get("schedule")
            for kind, names in self.SCHEDULE_FIELDS.items():
                for name in names:
                    self.fields[name].required = kind == chosen
        else:
            instance = self.instance
            self.initial["weekdays"] = [str(day) for day in weekdays_from_mask(instance.weekdays)]
            self.initial["fixed_times"] = ", ".join(instance.fixed_times or [])
            if instance.routine_id is None:
                default = routines.filter(slug=DEFAULT_STRETCH_SLUG).first()
                self.initial["routine"] = default.pk if default else None

    def clean_fixed_times(self) -> list[str]:
        return parse_times(self.cleaned_data.get("fixed_times") or "")

    def clean_weekdays(self) -> int:
        return weekday_mask(self.cleaned_data["weekdays"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == ReminderKind.HYDRATION:
            data["routine"] = None
        elif data.get("kind") == ReminderKind.STRETCH and not data.get("routine"):
            data["routine"] = (
                self.fields["routine"].queryset.filter(slug=DEFAULT_STRETCH_SLUG).first()
            )
        chosen = data.get("schedule")
        for kind, names in self.SCHEDULE_FIELDS.items():
            if chosen in self.SCHEDULE_FIELDS and kind != chosen:
                for name in names:  # hidden on the page: whatever is in them does not count
                    self._errors.pop(name, None)
                    data[name] = [] if name == "fixed_times" else None
        if chosen == ScheduleKind.INTERVAL:
            self._clean_interval(data)
        elif chosen == ScheduleKind.FIXED:
            self._clean_fixed(data)
        return data

    def _clean_interval(self, data: dict[str, Any]) -> None:
        start, end = data.get("window_start"), data.get("window_end")
        if start is not None and end is not None and end <= start:
            self.add_error(
                "window_end",
                ValidationError(
                    "The end of the window must come after its start, on the same day.",
                    code="window_order",
                ),
            )

    def _clean_fixed(self, data: dict[str, Any]) -> None:
        if "fixed_times" in self.errors:
            return
        times = data.get("fixed_times") or []
        if not times:
            self.add_error(
                "fixed_times", ValidationError("Give at least one time.", code="required")
            )
        elif len(times) > MAX_FIXED_TIMES:
            self.add_error(
                "fixed_times",
                ValidationError(
                    f"That is {len(times)} times; the most is {MAX_FIXED_TIMES} a day.",
                    code="too_many",
                ),
            )


class ProfileSettingsForm(forms.ModelForm):
    """Time zone, quiet hours and bedtime: what every reminder's times depend on."""

    timezone = forms.CharField(
        label="Time zone",
        max_length=64,
        help_text="A place name like Europe/London or America/New_York.",
        error_messages={"required": "Give your time zone, for example Europe/London."},
        widget=forms.TextInput(
            attrs={
                "list": "zone-list",
                "autocomplete": "off",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
    )
    quiet_start = TimeOfDayField(
        label="Quiet from",
        widget=TIME_INPUT,
        error_messages={"required": "Give the time quiet hours start."},
    )
    quiet_end = TimeOfDayField(
        label="Quiet until",
        widget=TIME_INPUT,
        error_messages={"required": "Give the time quiet hours end."},
    )
    bedtime = TimeOfDayField(
        label="Bedtime",
        required=False,
        widget=TIME_INPUT,
        help_text=(
            "No water reminders in the two hours before it: drinks late in the evening can "
            "wake you in the night."
        ),
    )

    class Meta:
        model = Profile
        fields = ["timezone", "quiet_start", "quiet_end", "bedtime"]

    def clean_timezone(self) -> str:
        try:
            return validate_zone(self.cleaned_data["timezone"].strip()).key
        except ValueError as error:
            raise ValidationError(str(error), code="unknown_zone") from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if start is not None and start == end:
            self.add_error(
                "quiet_end",
                ValidationError("Quiet hours need an end that differs from their start."),
            )
        return data


class PauseForm(forms.Form):
    """Pause every reminder until the end of a local date (today or later)."""

    until = forms.DateField(
        label="Pause all reminders until",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        help_text="They start again the morning after.",
        error_messages={
            "required": "Choose the last day of the pause.",
            "invalid": "Choose a date from the calendar.",
        },
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["until"].widget.attrs["min"] = today.isoformat()

    def clean_until(self) -> dt.date:
        until = self.cleaned_data["until"]
        if until < self.today:
            raise ValidationError("That day has passed. Choose today or a later day.")
        if until > self.today + dt.timedelta(days=366):
            raise ValidationError("Pause for a year at most.")
        return until


#: The snooze choices: POST value -> label. "tomorrow" snoozes until the start of the next day.
SNOOZE_CHOICES = [("15", "15 min"), ("30", "30 min"), ("60", "1 hour"), ("tomorrow", "Tomorrow")]


class SnoozeForm(forms.Form):
    snooze = forms.ChoiceField(
        choices=[*SNOOZE_CHOICES, ("off", "Stop snoozing")],
        error_messages={
            "required": "Choose how long to snooze.",
            "invalid_choice": "Snooze for 15, 30 or 60 minutes, or until tomorrow.",
        },
    )


#: The hydration settings: a daily goal, and the switch for people on a fluid limit.
MIN_GOAL = 1
MAX_GOAL = 30


class HydrationSettingsForm(forms.ModelForm):
    hydration_goal = forms.IntegerField(
        label="Daily goal (glasses)",
        min_value=MIN_GOAL,
        max_value=MAX_GOAL,
        help_text="From 1 to 30. Six to eight glasses a day suits most adults.",
        error_messages={
            "required": "Enter how many glasses a day you are aiming for.",
            "invalid": "Enter a whole number of glasses.",
            "min_value": f"Choose at least {MIN_GOAL} glass.",
            "max_value": f"Choose at most {MAX_GOAL} glasses.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    fluid_restriction = forms.BooleanField(
        label="A doctor or nurse has told me to limit how much I drink",
        required=False,
        help_text=(
            "Unknot then shows no goal or target anywhere. You can still count your glasses."
        ),
    )

    class Meta:
        model = Profile
        fields = ["hydration_goal", "fluid_restriction"]
