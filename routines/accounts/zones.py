"""Time zones and local days: pure helpers, no database.

A person's zone is an IANA name (Profile.timezone). `local_midnight` is the one way to find
where a local day starts, DST included: where a change skips midnight, the day starts at the
first minute that exists.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, MutableMapping
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

UTC = ZoneInfo("UTC")


@functools.cache
def _known_zones() -> frozenset[str]:
    # "Factory" and "localtime" are files in the zone database, not places anyone lives.
    return frozenset(available_timezones() - {"Factory", "localtime", "posixrules"})


@functools.cache
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in _known_zones()}


def validate_zone(name: str) -> ZoneInfo:
    """The zone called `name`, or ValueError with a message a person can act on."""
    name = name or ""
    if not name.strip():
        raise ValueError("Choose a time zone.")
    if name in _known_zones():
        return ZoneInfo(name)
    shown = name if len(name) <= 64 else name[:61] + "..."
    suggestion = _zones_by_lower_name().get(name.strip().lower())
    if suggestion:
        raise ValueError(f"We do not know the time zone “{shown}”. Did you mean {suggestion}?")
    raise ValueError(
        f"We do not know the time zone “{shown}”. Choose one from the list, "
        "for example Europe/London."
    )


def zone_or_utc(name: str) -> ZoneInfo:
    """The stored zone, or UTC if the zone database no longer knows it (the worker must not
    stop for one bad row; the form never saves an unknown zone)."""
    try:
        return validate_zone(name)
    except ValueError:
        return UTC


def resolve_local(day: dt.date, t: dt.time, zone: ZoneInfo) -> tuple[dt.datetime, bool]:
    """The UTC instant of local wall time `t` on `day`, and whether the clock skipped it.

    A time that happens twice resolves to its first occurrence (fold=0). A time the clock
    jumps over resolves to the transition itself, the first minute that exists after it.
    Nonexistence is found by a round trip through UTC.
    """
    local = dt.datetime.combine(day, t, tzinfo=zone)
    instant = local.astimezone(dt.UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return instant, False
    # In a gap, fold=0 uses the offset from before the jump, which lands after the transition;
    # fold=1 uses the offset from after it, which lands before. Bisect between them by minute.
    before = local.replace(fold=1).astimezone(dt.UTC)
    after_offset = instant.astimezone(zone).utcoffset()
    low, high = 0, int((instant - before).total_seconds() // 60)
    while high - low > 1:
        middle = (low + high) // 2
        if (before + dt.timedelta(minutes=middle)).astimezone(zone).utcoffset() == after_offset:
            high = middle
        else:
            low = middle
    return before + dt.timedelta(minutes=high), True


def local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """The UTC instant at which `day` starts in `zone` (01:00 where midnight is skipped)."""
    return resolve_local(day, dt.time(0, 0), zone)[0]


# A guest's time zone, from their browser, kept in their session ------------------------------

#: Session key: the guest's IANA time zone (their "today", and the times they type).
GUEST_ZONE = "guest_zone"


def guest_zone(session: Mapping[str, Any]) -> ZoneInfo:
    """The zone a guest's browser gave, kept in their session; UTC if none (or no longer
    known)."""
    return zone_or_utc(session.get(GUEST_ZONE, ""))


def remember_guest_zone(session: MutableMapping[str, Any], name: str) -> None:
    """Keep the browser's zone in the guest's session; an unknown name changes nothing."""
    try:
        zone = validate_zone(name)
    except ValueError:
        return
    if session.get(GUEST_ZONE) != zone.key:
        session[GUEST_ZONE] = zone.key
