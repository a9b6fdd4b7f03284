"""Commands that work when pasted: the README's production recipe, the Makefile's set-up steps,
and what `manage.py vapid_keys` prints where."""

from __future__ import annotations

import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MAKE = shutil.which("make")


def bare_environment() -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(Path.home())),
    }


def production_recipe() -> list[str]:
    """The `export` lines and the `check --deploy` line of the README's production block."""
    section = README.read_text().split("### Production\n", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block, "README: a ```sh block under ### Production"
    lines = [
        line
        for line in block.group(1).splitlines()
        if line.startswith("export ") or "manage.py check --deploy" in line
    ]
    assert any(line.startswith("export SECRET_KEY=") for line in lines)
    assert "manage.py check --deploy" in lines[-1]
    return lines


def test_the_readme_production_recipe_passes_the_deploy_check() -> None:
    script = "\n".join(production_recipe())
    if not (ROOT / ".venv" / "bin" / "python").exists():
        # Only where this checkout has no .venv (the recipe's interpreter): this one.
        script = script.replace(".venv/bin/python", shlex.quote(sys.executable))
    result = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=ROOT,
        env=bare_environment(),  # PATH and HOME only, as on a fresh shell
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # One silenced: django-ratelimit's W001 for the throttle cache (see project/settings.py).
    assert "System check identified no issues (1 silenced)." in result.stdout, (
        result.stdout + result.stderr
    )


@pytest.mark.skipif(MAKE is None, reason="needs make")
def test_make_writes_the_development_settings_file_once(tmp_path: Path) -> None:
    def make_env_file() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [MAKE, "-f", str(ROOT / "Makefile"), "-C", str(tmp_path), ".env"],
            env=bare_environment(),
            capture_output=True,
            text=True,
            timeout=60,
        )

    first = make_env_file()
    assert first.returncode == 0, first.stderr
    env_file = tmp_path / ".env"
    text = env_file.read_text()
    assert "\nDEBUG=1\n" in text
    [key] = re.findall(r"^SECRET_KEY=(\S+)$", text, re.MULTILINE)
    assert len(key) >= 50 and len(set(key)) >= 5 and not key.startswith("django-insecure")
    assert env_file.stat().st_mode & 0o077 == 0, "readable by its owner only"

    again = make_env_file()
    assert again.returncode == 0, again.stderr
    assert env_file.read_text() == text, "never overwritten"
    assert "up to date" in again.stdout


@pytest.mark.skipif(MAKE is None, reason="needs make")
def test_make_shows_no_failure_message_when_the_venv_is_made(tmp_path: Path) -> None:
    # `true` stands in for a python3 whose `-m venv` succeeds.
    result = subprocess.run(
        [
            MAKE,
            "-f",
            str(ROOT / "Makefile"),
            "-C",
            str(tmp_path),
            "PYTHON=true",
            ".venv/bin/python",
        ],
        env=bare_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "failed" not in result.stdout + result.stderr
    assert "true -m venv .venv" in result.stdout


@pytest.mark.skipif(MAKE is None, reason="needs make")
def test_make_passes_no_debug_variable_to_manage_py() -> None:
    result = subprocess.run(
        [MAKE, "-n", "-o", ".venv/.installed-dev", "run", "vapid"],
        cwd=ROOT,
        env=bare_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    commands = [line for line in result.stdout.splitlines() if "manage.py" in line]
    assert commands and not [line for line in commands if "DEBUG=" in line]


def test_vapid_keys_prints_to_stdout_and_nothing_to_stderr(tmp_path: Path) -> None:
    directory = tmp_path / ".vapid"
    outputs = []
    for _ in range(2):
        out, err = io.StringIO(), io.StringIO()
        call_command("vapid_keys", "--dir", str(directory), stdout=out, stderr=err)
        assert err.getvalue() == ""
        outputs.append(out.getvalue().splitlines())
    public = (directory / "public_key.txt").read_text().strip()
    assert outputs == [
        [f"Wrote new VAPID keys to {directory}/. The public key:", public],
        [f"Keeping the VAPID keys in {directory}/. The public key:", public],
    ]

    quiet = io.StringIO()
    call_command("vapid_keys", "--dir", str(directory), verbosity=0, stdout=quiet)
    assert quiet.getvalue() == public + "\n"
