"""Production settings: the deploy check is clean, and bad configuration fails loudly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "project.settings",
    "SECRET_KEY": "a-long-random-production-secret-7f3a9c2e5b8d1f4a6c0e9b2d7a5f3c1e8b4d6a0f",
    "ALLOWED_HOSTS": "unknot.example",
    "CSRF_TRUSTED_ORIGINS": "https://unknot.example",
    "DEBUG": "",
}


# Variables the test settings (or the browser tests) put in this process's environment.
NOT_INHERITED = {
    "DEBUG",
    "DATABASE_URL",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "STATICFILES_BACKEND",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION.keys() | NOT_INHERITED}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **PRODUCTION, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_reports_nothing_with_production_settings() -> None:
    result = manage("check", "--deploy", "--fail-level", "DEBUG")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_missing_secret_key_without_debug_refuses_to_start() -> None:
    result = manage("check", SECRET_KEY="")
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_bad_boolean_in_the_environment_is_an_error(value: str) -> None:
    result = manage("check", SECURE_SSL_REDIRECT=value)
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT must be a boolean" in result.stderr


def test_collectstatic_writes_hashed_and_compressed_files(tmp_path: Path) -> None:
    result = manage("collectstatic", "--noinput", "-v0", STATIC_ROOT=str(tmp_path))
    assert result.returncode == 0, result.stderr
    css = list((tmp_path / "css").glob("app.*.css"))
    assert css, "app.css gets a content hash in its name"
    assert Path(f"{css[0]}.gz").exists(), "whitenoise writes a gzipped copy"
    assert (tmp_path / "staticfiles.json").exists()
