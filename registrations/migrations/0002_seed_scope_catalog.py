"""Seed the scope catalog with the scopes Pleo documents. Managers edit it in admin."""

from django.db import migrations

PLEO_SCOPES = [
    ("users:read", "Read users (employees) of the company."),
    ("users:write", "Create and update users (employees)."),
    ("accounts:read", "Read accounting accounts."),
    ("accounts:write", "Create and update accounting accounts."),
    ("export-jobs:read", "Read export jobs."),
    ("export-jobs:write", "Create and update export jobs."),
    ("export-items:read", "Read the items of export jobs."),
]


def seed(apps, schema_editor):
    Scope = apps.get_model("registrations", "Scope")
    for name, description in PLEO_SCOPES:
        Scope.objects.get_or_create(name=name, defaults={"description": description})


def unseed(apps, schema_editor):
    Scope = apps.get_model("registrations", "Scope")
    Scope.objects.filter(name__in=[name for name, _ in PLEO_SCOPES]).delete()


class Migration(migrations.Migration):
    dependencies = [("registrations", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
