"""When a reminder fires: a pure function of (schedule, zone, after).

A schedule is a set of local wall-clock times of day ("08:00, 10:00, ... 20:00"), the weekdays
it runs on, the person's quiet hours and, if they gave one, their bedtime. Fire times are
computed in the person's IANA zone and returned in UTC, ready for `Reminder.next_fire_at`.

Rules, in the order they apply to one local day:

- Only on the chosen weekdays of the *local* date (bit 0 Monday ... bit 6 Sunday).
- Interval schedules are wall-clock times too: `window_start`, `window_start + N`, ... up to and
  including `window_end` (a window whose end is before its start runs past midnight; the times
  after midnight belong to the date they fall on).
- A time inside quiet hours, or in the two hours before bedtime, is skipped, never moved.
  Quiet hours are half-open, `[quiet_start, quiet_end)`, and wrap midnight when the start is
  later than the end; equal start and end mean no quiet hours.
- DST: a time the clock jumps over fires once, at the first minute that exists after it (02:30
  on Berlin's spring-forward night fires at 03:00); a time that happens twice fires once, the
  first time (fold=0). Several times that land on the same instant fire once.

`next_fire` walks local days and the few candidate times of each day, so one call costs a
handful of datetime conversions, never a scan minute by minute.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from routines.accounts.zones import local_midnight, resolve_local

UTC = dt.UTC
#: Interval schedules: every 15 minutes at the most, every 8 hours at the least.
MIN_INTERVAL = 15
MAX_INTERVAL = 480
#: Fixed schedules: at most this many times a day.
MAX_FIXED_TIMES = 12
ALL_WEEKDAYS = 0b1111111  # bit 0 = Monday ... bit 6 = Sunday
DEFAULT_QUIET_START = dt.time(21, 0)
DEFAULT_QUIET_END = dt.time(7, 0)
#: No reminder in this stretch before the person's bedtime (evening fluids and sleep).
BEFORE_BEDTIME = dt.timedelta(hours=2)
MONDAY_TO_FRIDAY = 0b0011111
#: Days to look ahead: a full week of weekdays, the rest of today, and a DST night's spill-over.
_LOOKAHEAD_DAYS = 16
_MINUTES_PER_DAY = 24 * 60


# --- Small time helpers -----------------------------------------------------------------------


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def _time(minutes: int) -> dt.time:
    minutes %= _MINUTES_PER_DAY
    return dt.time(minutes // 60, minutes % 60)


def _in_span(t: dt.time, start: dt.time | None, end: dt.time | None) -> bool:
    """Whether `t` falls in `[start, end)`, wrapping midnight when start > end.

    An equal start and end (or a missing one) is an empty span.
    """
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= t < end
    return t >= start or t < end


def _span_end(local: dt.datetime, start: dt.time, end: dt.time) -> tuple[dt.date, dt.time]:
    """The local date and time at which the span `[start, end)` holding `local` ends."""
    if start < end or local.time() < end:
        return local.date(), end
    return local.date() + dt.timedelta(days=1), end


# --- Weekdays ---------------------------------------------------------------------------------


def weekday_mask(days: Iterable[int]) -> int:
    """The bitmask for Python weekday numbers (0 Monday ... 6 Sunday)."""
    mask = 0
    for day in days:
        day = int(day)
        if not 0 <= day <= 6:
            raise ValueError(f"A weekday is a number from 0 (Monday) to 6 (Sunday), not {day}.")
        mask |= 1 << day
    return mask


def weekdays_from_mask(mask: int) -> list[int]:
    """Python weekday numbers (0 Monday ... 6 Sunday) set in `mask`, in order."""
    return [day for day in range(7) if mask & (1 << day)]


# --- Parsing --------------------------------------------------------------------------------


def parse_time(text: str) -> dt.time:
    """A local time from "HH:MM" (24-hour clock)."""
    try:
        hours, minutes = str(text).strip().split(":")
        digits = (hours + minutes).isascii() and (hours + minutes).isdigit()
        if not digits or len(hours) not in (1, 2) or len(minutes) != 2:
            raise ValueError
        return dt.time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"“{text}” is not a time. Use the 24-hour clock, like 08:30.") from None


def interval_times(minutes: int, start: dt.time, end: dt.time) -> tuple[dt.time, ...]:
    """`start`, `start + minutes`, ... up to and including `end`, as sorted times of day.

    A window whose end is earlier than its start runs past midnight.
    """
    if not MIN_INTERVAL <= minutes <= MAX_INTERVAL:
        raise ValueError(f"Choose an interval from {MIN_INTERVAL} to {MAX_INTERVAL} minutes.")
    first = _minutes(start)
    length = (_minutes(end) - first) % _MINUTES_PER_DAY
    return tuple(sorted({_time(first + step) for step in range(0, length + 1, minutes)}))


# --- The schedule -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """Local times of day, the weekdays they run on, and the hours no reminder may use."""

    times: tuple[dt.time, ...]
    weekdays: int = ALL_WEEKDAYS
    quiet_start: dt.time | None = DEFAULT_QUIET_START
    quiet_end: dt.time | None = DEFAULT_QUIET_END
    bedtime: dt.time | None = None
    #: `times` without those in quiet hours or before bedtime: what a normal day fires.
    allowed_times: tuple[dt.time, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        times = tuple(sorted({t.replace(second=0, microsecond=0) for t in self.times}))
        object.__setattr__(self, "times", times)
        allowed = tuple(t for t in times if self.allows_time(t))
        object.__setattr__(self, "allowed_times", allowed)

    @classmethod
    def every(cls, minutes: int, start: dt.time, end: dt.time, **rules: Any) -> Schedule:
        """Every `minutes` from `start` to `end` (inclusive), local time; `rules` are the
        other fields (weekdays, quiet hours, bedtime)."""
        return cls(times=interval_times(minutes, start, end), **rules)

    @classmethod
    def at(cls, times: Iterable[dt.time | str], **rules: Any) -> Schedule:
        """At fixed local times ("HH:MM" strings or `datetime.time`)."""
        parsed = tuple(t if isinstance(t, dt.time) else parse_time(t) for t in times)
        return cls(times=parsed, **rules)

    # Rules for one local moment.

    def in_quiet_hours(self, t: dt.time) -> bool:
        return _in_span(t, self.quiet_start, self.quiet_end)

    def _bedtime_span(self) -> tuple[dt.time, dt.time] | None:
        if self.bedtime is None:
            return None
        start = _time(_minutes(self.bedtime) - BEFORE_BEDTIME.seconds // 60)
        return start, self.bedtime

    def before_bedtime(self, t: dt.time) -> bool:
        span = self._bedtime_span()
        return span is not None and _in_span(t, *span)

    def allows_time(self, t: dt.time) -> bool:
        """Whether a reminder may go off at local time `t` (quiet hours and bedtime)."""
        return not self.in_quiet_hours(t) and not self.before_bedtime(t)

    def runs_on(self, day: dt.date) -> bool:
        return bool(self.weekdays & (1 << day.weekday()))

    def blocked_until(self, local: dt.datetime) -> tuple[dt.date, dt.time] | None:
        """If `local` is in quiet hours or before bedtime: the local date and time that stretch
        ends; otherwise None."""
        t = local.time()
        if self.quiet_start is not None and self.quiet_end is not None and self.in_quiet_hours(t):
            return _span_end(local, self.quiet_start, self.quiet_end)
        span = self._bedtime_span()
        if span is not None and _in_span(t, *span):
            return _span_end(local, *span)
        return None


def _require_aware(moment: dt.datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("`after` must be an aware datetime.")


def next_fire(schedule: Schedule, zone: ZoneInfo, after: dt.datetime) -> dt.datetime | None:
    """The first fire time strictly after `after`, in UTC; None if the schedule never fires."""
    _require_aware(after)
    times = schedule.allowed_times
    if not times or not schedule.weekdays & ALL_WEEKDAYS:
        return None
    after = after.astimezone(UTC)
    local_after = after.astimezone(zone)
    today = local_after.date()
    # Start a day early: a skipped time late in the evening can spill into today.
    for offset in range(-1, _LOOKAHEAD_DAYS):
        day = today + dt.timedelta(days=offset)
        if not schedule.runs_on(day):
            continue
        if offset < 0:
            # Fire instants grow with the wall time, so if the last time of yesterday is not
            # after `after`, nothing earlier that day is either.
            if resolve_local(day, times[-1], zone)[0] <= after:
                continue
            first = 0
        elif offset == 0:
            # Wall times before `after`'s own resolve to instants at or before it.
            first = bisect.bisect_left(times, local_after.time().replace(tzinfo=None))
        else:
            first = 0
        for t in times[first:]:
            instant, skipped = resolve_local(day, t, zone)
            if instant <= after:
                continue
            if skipped:
                # The clock moved the time: check the minute it actually goes off.
                local = instant.astimezone(zone)
                if not schedule.allows_time(local.time()) or not schedule.runs_on(local.date()):
                    continue
            return instant
    return None


def upcoming(
    schedule: Schedule, zone: ZoneInfo, after: dt.datetime, count: int = 5
) -> list[dt.datetime]:
    """The next `count` fire times after `after`, in UTC, for the form's preview."""
    found: list[dt.datetime] = []
    moment = after
    while len(found) < count:
        following = next_fire(schedule, zone, moment)
        if following is None:
            break
        found.append(following)
        moment = following
    return found


# --- Snooze and pause -------------------------------------------------------------------------


def snooze_fire(schedule: Schedule, zone: ZoneInfo, snoozed_until: dt.datetime) -> dt.datetime:
    """When a snoozed reminder goes off: the snooze time itself, or, if that falls in quiet
    hours or before bedtime, the first minute after that stretch ends. Weekdays do not apply:
    the person asked for this one."""
    _require_aware(snoozed_until)
    moment = snoozed_until.astimezone(UTC)
    for _ in range(3):  # quiet hours may run straight into the bedtime stretch, or back
        blocked = schedule.blocked_until(moment.astimezone(zone))
        if blocked is None:
            break
        moment = resolve_local(*blocked, zone)[0]
    return moment


def fire_after(
    schedule: Schedule,
    zone: ZoneInfo,
    after: dt.datetime,
    *,
    snoozed_until: dt.datetime | None = None,
    paused_until: dt.date | None = None,
) -> dt.datetime | None:
    """The next fire time strictly after `after`, in UTC, or None, with snooze and pause.

    - `paused_until`: nothing fires before the local day after that date.
    - `snoozed_until`: if it is still ahead, it is the next fire (moved out of quiet hours if
      need be), and the regular schedule carries on after it. A snooze that ends inside a pause
      is dropped.
    """
    _require_aware(after)
    after = after.astimezone(UTC)
    pause_ends = (
        None if paused_until is None else local_midnight(paused_until + dt.timedelta(days=1), zone)
    )
    if snoozed_until is not None:
        snoozed = snooze_fire(schedule, zone, snoozed_until)
        if snoozed > after and (pause_ends is None or snoozed >= pause_ends):
            return snoozed
    if pause_ends is not None and pause_ends > after:
        # `next_fire` is strictly after; a fire exactly when the pause ends is allowed.
        after = pause_ends - dt.timedelta(microseconds=1)
    return next_fire(schedule, zone, after)


def snooze_end(
    schedule: Schedule, zone: ZoneInfo, now: dt.datetime, minutes: int | None
) -> dt.datetime | None:
    """The `snoozed_until` value for a snooze chosen at `now`.

    `minutes` (15, 30, 60) snoozes for that long. None means "until tomorrow": the first time
    the regular schedule fires on a later local date (None if it never fires again).
    """
    _require_aware(now)
    now = now.astimezone(UTC)
    if minutes is not None:
        if minutes <= 0:
            raise ValueError("A snooze lasts at least a minute.")
        return now + dt.timedelta(minutes=minutes)
    tomorrow = local_midnight(now.astimezone(zone).date() + dt.timedelta(days=1), zone)
    return next_fire(schedule, zone, tomorrow - dt.timedelta(microseconds=1))


def latest_allowed(
    rules: Schedule, latest: dt.time, earliest: dt.time, step_minutes: int = 15
) -> dt.time | None:
    """The latest time from `latest` back to `earliest`, in steps, that `rules` allow."""
    minute = _minutes(latest)
    while minute >= _minutes(earliest):
        if rules.allows_time(_time(minute)):
            return _time(minute)
        minute -= step_minutes
    return None
