"""The date Pleo shared a registration's credentials, and the latest link check per URL.

Both groups may read link-check results (they are written by the check only).
"""

import django.db.models.deletion
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

GROUPS = ("Partner managers", "Developers")
VIEW_LINK_CHECK = "view_linkcheck"


def grant_view_link_check(apps, schema_editor):
    app_config = apps.get_app_config("registrations")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="registrations", codename=VIEW_LINK_CHECK)
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(permission)


def revoke_view_link_check(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="registrations", codename=VIEW_LINK_CHECK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0004_pleo_documented_scopes"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalregistration",
            name="credentials_shared_on",
            field=models.DateField(
                blank=True,
                help_text="When Pleo shared the credentials (the 1Password link); retrieval is due within days of it.",
                null=True,
                verbose_name="credentials shared on",
            ),
        ),
        migrations.AddField(
            model_name="registration",
            name="credentials_shared_on",
            field=models.DateField(
                blank=True,
                help_text="When Pleo shared the credentials (the 1Password link); retrieval is due within days of it.",
                null=True,
                verbose_name="credentials shared on",
            ),
        ),
        migrations.CreateModel(
            name="LinkCheck",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "field",
                    models.CharField(
                        choices=[
                            ("client_uri", "Client URI"),
                            ("logo_uri", "Logo URI"),
                            ("tos_uri", "Terms of service URI"),
                            ("policy_uri", "Privacy policy URI"),
                            ("initiation_uri", "Initiation URI"),
                            ("settings_uri", "Settings URI"),
                        ],
                        max_length=20,
                    ),
                ),
                ("url", models.CharField(blank=True, max_length=2000, verbose_name="URL")),
                ("ok", models.BooleanField(help_text="Empty until the URL has been checked.", null=True)),
                ("status_code", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("reason", models.TextField(blank=True)),
                ("checked_at", models.DateTimeField(blank=True, null=True)),
                (
                    "registration",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="link_checks",
                        to="registrations.registration",
                    ),
                ),
            ],
            options={
                "ordering": ["registration", "field"],
                "indexes": [models.Index(fields=["checked_at"], name="registratio_checked_d43e78_idx")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("registration", "field"), name="registrations_one_link_check_per_field"
                    )
                ],
            },
        ),
        migrations.RunPython(grant_view_link_check, revoke_view_link_check),
    ]
