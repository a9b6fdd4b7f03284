"""Create the "Content editors" group: staff who edit routines, Learn pages and safety content.

Members can add, change, delete and view the content models, and nothing else: no users, no
groups, no sessions. Give a person staff status and this group; never superuser status.
"""

from django.db import migrations

GROUP_NAME = "Content editors"
CONTENT_MODELS = [
    "routine",
    "step",
    "image",
    "learnarticle",
    "claim",
    "source",
    "situation",
    "bodyarea",
    "triagelevel",
    "safetysign",
    "disclaimer",
]
ACTIONS = ["add", "change", "delete", "view"]


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after `migrate` finishes (post_migrate); on a fresh
    # database they do not exist yet, so create them now. `models_module` is None for the
    # historical app config, which makes create_permissions skip it; the standard recipe.
    app_config = apps.get_app_config("content")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    db = schema_editor.connection.alias
    codenames = [f"{action}_{model}" for model in CONTENT_MODELS for action in ACTIONS]
    permissions = list(
        Permission.objects.using(db).filter(
            content_type__app_label="content",
            content_type__model__in=CONTENT_MODELS,
            codename__in=codenames,
        )
    )
    missing = set(codenames) - {permission.codename for permission in permissions}
    if missing:
        raise RuntimeError(f"Permissions missing for the content editors: {sorted(missing)}")
    group, _ = Group.objects.using(db).get_or_create(name=GROUP_NAME)
    group.permissions.set(permissions)


def delete_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
