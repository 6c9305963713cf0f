"""The scopes Pleo documents for its partner APIs, with descriptions.

Adds `vendors:read` and `vendors:write` and gives every documented scope its
description. Idempotent: a scope that exists keeps its staging/production flags,
and a description a manager has changed from the seed's is left alone. Reversing
removes the two vendor scopes and puts back the earlier descriptions.
"""

from django.db import migrations

# (name, description) — the same text as the portal's operation catalog.
DOCUMENTED_SCOPES = [
    ("users:read", "Read the company's employees."),
    ("users:write", "Create and change the company's employees."),
    ("accounts:read", "Read the chart of accounts: fetch and search bookkeeping accounts."),
    ("accounts:write", "Create, change and delete bookkeeping accounts."),
    ("export-jobs:read", "Read export jobs and their items."),
    ("export-jobs:write", "Start export jobs, report their progress and record the outcome of their items."),
    ("export-items:read", "Read export items: the accounting entries waiting to be exported."),
    ("vendors:read", "Read and search vendors."),
    ("vendors:write", "Create, change, activate and archive vendors."),
]
ADDED = ("vendors:read", "vendors:write")
# The descriptions 0002 seeded, put back on reverse.
EARLIER = {
    "users:read": "Read users (employees) of the company.",
    "users:write": "Create and update users (employees).",
    "accounts:read": "Read accounting accounts.",
    "accounts:write": "Create and update accounting accounts.",
    "export-jobs:read": "Read export jobs.",
    "export-jobs:write": "Create and update export jobs.",
    "export-items:read": "Read the items of export jobs.",
}


def add_documented_scopes(apps, schema_editor):
    Scope = apps.get_model("registrations", "Scope")
    for name, description in DOCUMENTED_SCOPES:
        scope, created = Scope.objects.get_or_create(name=name, defaults={"description": description})
        if not created and scope.description in ("", EARLIER.get(name)):
            scope.description = description
            scope.save(update_fields=["description"])


def remove_documented_scopes(apps, schema_editor):
    Scope = apps.get_model("registrations", "Scope")
    Scope.objects.filter(name__in=ADDED).delete()
    for name, description in DOCUMENTED_SCOPES:
        if name in EARLIER:
            Scope.objects.filter(name=name, description=description).update(description=EARLIER[name])


class Migration(migrations.Migration):
    dependencies = [("registrations", "0003_groups")]

    operations = [migrations.RunPython(add_documented_scopes, remove_documented_scopes)]
