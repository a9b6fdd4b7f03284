"""Warm-up and cool-down summaries no longer state a length ("About 10 minutes") that
disagreed with the time the page computes from the steps (11 and 12 min).

Only a summary still exactly as the library first wrote it changes: a staff edit stays.
"""

from django.db import migrations

CHANGES = {
    "warm-up": (
        "About 10 minutes of easy movement that builds up, to get your legs ready for exercise.",
        "Easy movement that builds up, to get your legs ready for exercise.",
    ),
    "cool-down": (
        "About 10 minutes of easy movement and gentle stretches for the calves and thighs "
        "after exercise.",
        "Easy movement and gentle stretches for the calves and thighs after exercise.",
    ),
}


def forwards(apps, schema_editor):
    Routine = apps.get_model("content", "Routine")
    for slug, (old, new) in CHANGES.items():
        Routine.objects.filter(slug=slug, summary=old).update(summary=new)


def backwards(apps, schema_editor):
    Routine = apps.get_model("content", "Routine")
    for slug, (old, new) in CHANGES.items():
        Routine.objects.filter(slug=slug, summary=new).update(summary=old)


class Migration(migrations.Migration):
    dependencies = [("content", "0002_content_editors")]

    operations = [migrations.RunPython(forwards, backwards)]
