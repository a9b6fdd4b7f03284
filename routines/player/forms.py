"""The player's controls, the rating asked at the end of a run, and runs recorded offline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from routines.player.machine import Action


class ControlForm(forms.Form):
    """One player control, from the player script or a plain form."""

    action = forms.ChoiceField(
        choices=[(a, a) for a in Action.ALL],
        error_messages={"invalid_choice": "“%(value)s” is not a player control."},
        widget=forms.HiddenInput,
    )
    phase = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
    control_id = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)
    offset_ms = forms.IntegerField(
        min_value=0,
        max_value=24 * 60 * 60 * 1000,
        required=False,
        widget=forms.HiddenInput,
        error_messages={
            "max_value": "That control is more than a day old.",
            "min_value": "A control cannot come from the future.",
        },
    )


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="Did it help?",
        choices=[
            (1, "1: not at all"),
            (2, "2"),
            (3, "3: a bit"),
            (4, "4"),
            (5, "5: a lot"),
        ],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how much it helped, from 1 to 5.",
            "invalid_choice": "Choose how much it helped, from 1 to 5.",
        },
    )


#: A run recorded offline may be this long (start to upload) and hold this many controls.
OFFLINE_RUN_MAX_MS = 24 * 60 * 60 * 1000
OFFLINE_RUN_MAX_CONTROLS = 200


class OfflineRunForm(forms.Form):
    """A run the phone started and followed offline, sent once it is back online.

    Times are the phone's clock in milliseconds since 1970; only their differences are used
    (the phone's clock may be wrong): the run started `sent_at - started_at` before it was
    received. `controls` is JSON: [[action, phase, at], ...] in the order they were tapped.
    """

    client_id = forms.UUIDField(error_messages={"invalid": "The run's id is not valid."})
    routine = forms.SlugField(max_length=140)
    lead_in = forms.BooleanField(required=False)
    started_at = forms.IntegerField(min_value=0)
    sent_at = forms.IntegerField(min_value=0)
    controls = forms.JSONField(required=False)

    def clean_controls(self) -> list[tuple[str, int, int]]:
        raw = self.cleaned_data.get("controls") or []
        message = "The run's controls are not valid."
        if not isinstance(raw, list) or len(raw) > OFFLINE_RUN_MAX_CONTROLS:
            raise forms.ValidationError(message)
        controls = []
        for item in raw:
            if not (isinstance(item, list) and len(item) == 3):
                raise forms.ValidationError(message)
            action, phase, at = item
            valid = (
                action in Action.ALL
                and isinstance(phase, int)
                and not isinstance(phase, bool)
                and phase >= 0
                and isinstance(at, int | float)
            )
            if not valid:
                raise forms.ValidationError(message)
            controls.append((action, phase, int(at)))
        return controls

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        started, sent = data.get("started_at"), data.get("sent_at")
        if started is None or sent is None:
            return data
        if sent < started:
            raise forms.ValidationError("The run cannot end before it started.")
        if sent - started > OFFLINE_RUN_MAX_MS:
            raise forms.ValidationError("That run is more than a day old.")
        times = [at for _, _, at in data.get("controls", [])]
        if times != sorted(times) or any(not started <= at <= sent for at in times):
            raise forms.ValidationError("The run's controls are not in order.")
        return data

    def timeline(self, now: dt.datetime) -> tuple[dt.datetime, list[tuple[str, int, dt.datetime]]]:
        """When the run started and each control happened, on the server's clock."""
        data = self.cleaned_data

        def at(ms: int) -> dt.datetime:
            return now - dt.timedelta(milliseconds=data["sent_at"] - ms)

        return at(data["started_at"]), [(a, p, at(t)) for a, p, t in data["controls"]]
