"""Other processes on the test database: its address for them, and a Django client run in a
process of its own (tests/helpers/throttle_client.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The test database, for other processes (a file on SQLite: see project/settings_test)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        if connection.is_in_memory_db():
            pytest.fail("Other processes need a file database (project/settings_test.py).")
        return f"sqlite:///{settings['NAME']}"
    user = quote(settings.get("USER") or "")
    password = quote(settings.get("PASSWORD") or "")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings.get("HOST") or ""
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{settings['NAME']}"


def start_client(*args: str, **env: str) -> subprocess.Popen[str]:
    """`python -m tests.helpers.throttle_client ARGS` on the test database, with `env` added
    to its environment (settings such as SIGNUP_RATE)."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.throttle_client", *args],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "project.settings_test",
            "DATABASE_URL": database_url(),
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def result_of(process: subprocess.Popen[str], timeout: float = 120) -> Any:
    """The JSON the client process printed last, once it has exited (bounded by `timeout`)."""
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])
