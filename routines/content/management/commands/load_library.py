from typing import Any

from django.core.management.base import BaseCommand, CommandError

from routines.content.library import LibraryError, load_library


class Command(BaseCommand):
    help = (
        "Load Unknot's built-in content: sources, situations, body areas, routines with their "
        "steps, Learn pages with their claims, the safety check and the disclaimers. Safe to run "
        "again: each item is matched by its key (source code, slug, or sign and disclaimer key) "
        "and only missing items are created. Existing rows are changed only by a listed "
        "correction to the shipped wording, once, and only in fields that still hold the old "
        "shipped text, so edits made in the admin stay as they are; steps or claims are only "
        "added together with a new routine or Learn page. A routine or Learn page that was "
        "deleted comes back on the next run: to hide one for good, unpublish it instead of "
        "deleting it."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_library()
        except LibraryError as error:
            raise CommandError(f"The built-in library has a mistake: {error}") from error
        verbosity = options["verbosity"]
        if verbosity >= 1:
            self.stdout.write(report.summary())
        if verbosity >= 2:
            for label, keys in report.created.items():
                if keys:
                    self.stdout.write(f"  New {label}s: {', '.join(keys)}")
            for name, _, kept in report.revised:
                for item in kept:
                    self.stdout.write(f"  Not corrected by {name} (edited by staff): {item}")
