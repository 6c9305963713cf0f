"""Groups: Partner managers (manage registrations and credentials, may reveal secrets)
and Developers (read registrations and credentials, never secrets).

Later apps add their own permissions to these groups in their own migrations
(e.g. oauthclient for Developers); this one references registrations only.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PARTNER_MANAGERS = "Partner managers"
DEVELOPERS = "Developers"

GROUP_PERMISSIONS = {
    PARTNER_MANAGERS: [
        "add_registration",
        "change_registration",
        "view_registration",
        "add_scope",
        "change_scope",
        "view_scope",
        "add_credential",
        "change_credential",
        "view_credential",
        "view_secretdisclosure",
        "reveal_credential_secret",
    ],
    DEVELOPERS: [
        "view_registration",
        "view_scope",
        "view_credential",
    ],
}


def create_groups(apps, schema_editor):
    # On a fresh database permissions are only created by post_migrate, after
    # every migration has run: create this app's now (the usual pattern).
    app_config = apps.get_app_config("registrations")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUP_PERMISSIONS.items():
        permissions = list(
            Permission.objects.filter(content_type__app_label="registrations", codename__in=codenames)
        )
        missing = set(codenames) - {permission.codename for permission in permissions}
        if missing:
            raise RuntimeError(f"Permissions missing for group {name!r}: {sorted(missing)}")
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


def remove_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=list(GROUP_PERMISSIONS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0002_seed_scope_catalog"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
