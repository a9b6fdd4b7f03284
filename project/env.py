"""Strict readers of settings from the environment: a bad value stops start-up with a message.

settings.py calls `read_env_file` before any of them: it adds the development settings file
(`.env`, which `make` writes once) to the environment, where variables already set win over it.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv


def read_env_file(base_dir: Path) -> Path | None:
    """Add `NAME=value` lines from a settings file to os.environ, unless a name is already set.

    The file is the one `ENV_FILE` names (it must exist; `/dev/null` reads none), else `.env` in
    `base_dir` if there is one. Values are taken literally (no `${...}` expansion). Production
    has no `.env`: it sets real environment variables. Returns the file read, if any.
    """
    named = os.environ.get("ENV_FILE", "").strip()
    path = Path(named) if named else base_dir / ".env"
    if not named and not path.is_file():
        return None
    try:
        with path.open(encoding="utf-8") as stream:
            load_dotenv(stream=stream, override=False, interpolate=False)
    except OSError as exc:
        raise ImproperlyConfigured(f"Cannot read the settings file {path}: {exc.strerror}") from exc
    return path


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in _TRUE | _FALSE:
        return value in _TRUE
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def envpositive(name: str, default: float) -> float:
    """A number above 0 (seconds, sizes, counts)."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = float(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from exc
    if number <= 0:
        raise ImproperlyConfigured(f"{name} must be more than 0, not {value!r}")
    return number


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]
