"""The table of the throttles' counters (the "throttle" cache in project/settings.py).

Made by a migration, so `migrate` (make run, CI, deployments) is the one step that sets up the
database; `createcachetable` would make the same table and skips it when it exists.
"""

from django.conf import settings
from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_throttle_table(apps, schema_editor):
    table = settings.CACHES["throttle"]["LOCATION"]
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(table)}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create_cache_tables, drop_throttle_table)]
