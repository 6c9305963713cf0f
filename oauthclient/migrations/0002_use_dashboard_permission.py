"""The permission to use the developer dashboard, granted to the groups that had access.

Access used to follow membership of these two groups; it follows the permission now,
so a group can lose it and a single user can be given it.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

DASHBOARD_GROUPS = ["Developers", "Partner managers"]
CODENAME = "use_dashboard"


def grant(apps, schema_editor):
    # On a fresh database permissions are only created by post_migrate, after
    # every migration has run: create this app's now.
    app_config = apps.get_app_config("oauthclient")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="oauthclient", codename=CODENAME)
    for name in DASHBOARD_GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="oauthclient", codename=CODENAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("oauthclient", "0001_initial"),
        ("registrations", "0003_groups"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="connection",
            options={
                "ordering": ["-updated_at", "-id"],
                "permissions": [("use_dashboard", "Can use the developer dashboard")],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
