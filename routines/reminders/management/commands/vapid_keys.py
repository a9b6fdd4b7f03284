"""`manage.py vapid_keys`: make development VAPID keys once, in .vapid/ (git-ignored)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from routines.reminders.push import generate_vapid_keys, public_key_of, vapid_signer

PRIVATE = "private_key.pem"
PUBLIC = "public_key.txt"


class Command(BaseCommand):
    help = (
        "Write a development VAPID key pair to .vapid/ unless one is there already (never "
        "overwritten), and print the public key (alone with --verbosity 0). With DEBUG on and "
        "no VAPID_* variables in the environment, the settings use these files. In production, "
        "set VAPID_PRIVATE_KEY, VAPID_PUBLIC_KEY and VAPID_SUBJECT instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir",
            type=Path,
            default=None,
            help="Where to write the keys (default: .vapid/ at the project's root).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["dir"] or getattr(
            settings, "VAPID_DEV_DIR", Path(settings.BASE_DIR) / ".vapid"
        )
        private_path, public_path = directory / PRIVATE, directory / PUBLIC
        if private_path.exists():
            public = public_path.read_text().strip() if public_path.exists() else ""
            if not public:
                public = public_key_of(vapid_signer(private_path.read_text()))
                public_path.write_text(public + "\n")
            message = f"Keeping the VAPID keys in {directory}/."
        else:
            private, public = generate_vapid_keys()
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            # Created readable by the owner only, and never over an existing file.
            fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as file:
                file.write(private)
            public_path.write_text(public + "\n")
            message = f"Wrote new VAPID keys to {directory}/."
        # Normal output on stdout; with --verbosity 0, the public key alone.
        if options["verbosity"] > 0:
            self.stdout.write(f"{message} The public key:")
        self.stdout.write(public)
