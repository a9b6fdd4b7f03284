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
    # One silenced: django-ratelimit's W001 for the throttle cache (see project/settings.py).
    assert "System check identified no issues (1 silenced)." in result.stdout


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


# The development settings file (.env) ------------------------------------------------------

SHOW = "from django.conf import settings as s; print(s.DEBUG, s.SECRET_KEY)"


def settings_seen(
    env_file: str, settings: str = "project.settings", **env: str
) -> subprocess.CompletedProcess[str]:
    """`manage.py shell` with only PATH, HOME and what is given in the environment."""
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", SHOW],
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", str(Path.home())),
            "DJANGO_SETTINGS_MODULE": settings,
            "ENV_FILE": env_file,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def dev_env_file(tmp_path: Path) -> Path:
    path = tmp_path / "dev.env"
    path.write_text("# as make writes it\nDEBUG=1\nSECRET_KEY=from-the-file-$HOME#1\n")
    return path


def test_the_settings_file_is_read_at_start_up(dev_env_file: Path) -> None:
    result = settings_seen(str(dev_env_file))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "from-the-file-$HOME#1"]  # taken literally


def test_the_environment_wins_over_the_settings_file(dev_env_file: Path) -> None:
    result = settings_seen(str(dev_env_file), DEBUG="0", SECRET_KEY="from-the-environment")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "from-the-environment"]


def test_a_bad_boolean_in_the_settings_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "bad.env").write_text("DEBUG=maybe\n")
    result = settings_seen(str(tmp_path / "bad.env"))
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_a_settings_file_that_is_not_there_is_an_error(tmp_path: Path) -> None:
    result = settings_seen(str(tmp_path / "missing.env"))
    assert result.returncode != 0
    assert "Cannot read the settings file" in result.stderr


def test_dev_null_reads_no_settings_file() -> None:
    result = settings_seen(os.devnull)
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_the_test_settings_read_no_settings_file(dev_env_file: Path) -> None:
    """A developer's .env (DEBUG=1) does not change what the suite sees."""
    result = settings_seen(str(dev_env_file), settings="project.settings_test")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "False"


def test_this_suite_runs_without_debug_and_without_a_settings_file() -> None:
    from django.conf import settings

    assert os.environ["ENV_FILE"] == os.devnull
    assert settings.DEBUG is False


# Logging -----------------------------------------------------------------------------------

LOG_ONCE = """
import logging, django
django.setup()
logging.getLogger("django.request").warning("Not Found: /nope")
logging.getLogger("routines.delivery").info("sent 1")
"""


@pytest.mark.parametrize("debug", ["1", "0"])
def test_each_log_line_is_printed_once(debug: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", LOG_ONCE],
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DJANGO_SETTINGS_MODULE": "project.settings",
            "ENV_FILE": os.devnull,
            "DEBUG": debug,
            "SECRET_KEY": PRODUCTION["SECRET_KEY"],
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == ["Not Found: /nope", "sent 1"]
