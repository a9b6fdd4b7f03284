from django import template

register = template.Library()


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
    """A routine's length for a list: "about 4 min"; under a minute, the seconds."""
    if not seconds:
        return "0 min"
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    return f"{minutes} min"
