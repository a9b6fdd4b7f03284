"""The diary's rules about a single cramp, pure: no Django, no models.

From the content brief's safety triage: a cramp that lasts more than 10 minutes and is not
easing needs an urgent appointment the same day (not the emergency number).
"""

from __future__ import annotations

#: A cramp longer than this (minutes) is a "get seen today" sign.
LONG_CRAMP_MINUTES = 10
#: Intensity is rated from 1 (barely there) to 10 (the worst imaginable).
INTENSITY_MIN, INTENSITY_MAX = 1, 10
#: The longest a cramp can be logged as lasting (minutes): longer is a mistake in the form.
LASTED_MAX_MINUTES = 600


def needs_seeing_today(lasted_minutes: int | None) -> bool:
    """Whether a cramp of this length is a same-day "get seen today" sign."""
    return lasted_minutes is not None and lasted_minutes > LONG_CRAMP_MINUTES
