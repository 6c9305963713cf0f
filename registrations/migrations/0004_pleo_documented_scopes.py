"""The scopes Pleo documents for its partner APIs, each with a description.

Adds `vendors:read` and `vendors:write`, and gives a documented scope that has
no description the one below. Idempotent: existing scopes keep their flags and
any description a manager wrote. Reversing removes the two vendor scopes.
"""

from django.db import migrations

# (name, description) — the same as the portal's operation catalog (core/pleo_api).
DOCUMENTED_SCOPES = [
    ("users:read", "Read users (employees) of the company."),
    ("users:write", "Create and update users (employees)."),
    ("accounts:read", "Read accounting accounts."),
    ("accounts:write", "Create and update accounting accounts."),
    ("export-jobs:read", "Read export jobs."),
    ("export-jobs:write", "Create and update export jobs."),
    ("export-items:read", "Read the items of export jobs."),
    ("vendors:read", "Read and search vendors."),
    ("vendors:write", "Create, change, activate and archive vendors."),
]
ADDED = ("vendors:read", "vendors:write")


def add_documented_scopes(apps, schema_editor):
    Scope = apps.get_model("registrations", "Scope")
    for name, description in DOCUMENTED_SCOPES:
        scope, created = Scope.objects.get_or_create(name=name, defaults={"description": description})
        if not created and not scope.description:
            scope.description = description
            scope.save(update_fields=["description"])


def remove_added_scopes(apps, schema_editor):
    Scope = apps.get_model("registrations", "Scope")
    Scope.objects.filter(name__in=ADDED).delete()


class Migration(migrations.Migration):
    dependencies = [("registrations", "0003_groups")]

    operations = [migrations.RunPython(add_documented_scopes, remove_added_scopes)]
