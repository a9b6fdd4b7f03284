from django import template

from routines.content.library.safety import LONG_CRAMP_ADVICE, NOT_AN_EMERGENCY
from routines.content.models.routine import Routine, about_minutes
from routines.content.models.safety import SafetySign, TriageLevel
from routines.content.models.step import Step

register = template.Library()


@register.simple_tag
def long_cramp_advice() -> str:
    """The one wording of the 10-minute rule, a "get seen today" sign (see library/safety.py),
    for templates that state it outside the stored content (the run summary)."""
    return LONG_CRAMP_ADVICE


@register.simple_tag
def not_an_emergency() -> str:
    """The sentence that goes with it where people once were sent to the emergency number."""
    return NOT_AN_EMERGENCY


@register.filter
def detail_under(sign: SafetySign, level: TriageLevel) -> str:
    """`sign`'s detail as the warning-signs page lists it under `level` (see
    `SafetySign.detail_under`)."""
    return sign.detail_under(level.action)


@register.filter
def under_notes(step: Step, routine: Routine) -> str:
    """`step`'s instruction as `routine`'s page lists it, under its safety notes (see
    `Routine.instruction_under_notes`)."""
    return routine.instruction_under_notes(step.instruction)


@register.filter
def duration(seconds: int | None) -> str:
    """Seconds as people say them: "45 s", "2 min", "2 min 30 s", "1 h 5 min"."""
    if seconds is None:
        return ""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min {secs} s" if secs else f"{minutes} min"


@register.filter
def approx_minutes(seconds: int | None) -> str:
    """A routine's length as every page states it: "4 min" (see `about_minutes`); under a
    minute, the seconds."""
    if not seconds:
        return "0 min"
    if seconds < 60:
        return f"{seconds} s"
    return f"{about_minutes(seconds)} min"


@register.filter
def ms_clock(milliseconds: int | None) -> str:
    """Remaining time as a countdown shows it: "m:ss", seconds rounded up (0.2 s left is 0:01)."""
    if milliseconds is None:
        return ""
    seconds = max(0, -(-int(milliseconds) // 1000))
    return f"{seconds // 60}:{seconds % 60:02d}"


@register.filter
def ms_duration(milliseconds: int | None) -> str:
    """Milliseconds as people say them (see `duration`), rounded to the nearest second."""
    if milliseconds is None:
        return ""
    return duration(round(int(milliseconds) / 1000))
