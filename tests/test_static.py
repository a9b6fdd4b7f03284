"""The production static files: the player's ES modules import each other by hashed name."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_players_modules_import_each_other_by_hashed_names(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"STATICFILES_BACKEND", "DEBUG"}} | {
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "SECRET_KEY": "x" * 60,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={**env, "STATIC_ROOT": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    entry = tmp_path / manifest["js/player.js"]
    imports = re.findall(r'from "(\./player/[^"]+)"', entry.read_text())

    assert sorted(Path(path).name.split(".")[0] for path in imports) == [
        "clock",
        "cues",
        "draw",
        "offline",
        "queue",
        "wakelock",
    ]
    for path in imports:
        assert re.search(r"\.[0-9a-f]{12}\.js$", path), f"{path} is not a hashed name"
        assert (entry.parent / path).resolve().exists(), f"{path} was not written"
