"""Demo records for a sandbox company: every resource of the catalog has some.

Deterministic (IDs derive from the company's ID) and idempotent: seeding again
adds only what is missing, and a record the API changed is left as it is.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction

from core.pleo_api import catalog
from core.pleo_api.shapes import sample

from .. import demo
from ..models import SandboxCompany, SandboxRecord
from .records import record_build
from .resources import RESOURCES

_MOMENT = "2026-01-15T09:30:00Z"
_ACCOUNTS = [
    ("1000", "Cash"),
    ("1100", "Bank"),
    ("2000", "Accounts payable"),
    ("4000", "Sales"),
    ("5000", "Cost of goods sold"),
    ("6000", "Office supplies"),
    ("6100", "Software subscriptions"),
    ("6200", "Travel"),
    ("6300", "Meals and entertainment"),
    ("6400", "Marketing"),
    ("6500", "Training"),
    ("6600", "Telephone and internet"),
]
_TAX_CODES = [
    ("VAT25", "Danish VAT 25%", 0.25, "inclusive"),
    ("EU-RC", "EU reverse charge", 0.25, "reverse"),
    ("VAT0", "No VAT", 0.0, "exclusive"),
]
_VENDORS = [
    ("Nordic Office Supply ApS", "DK", "DKK"),
    ("Cloud Software Ltd", "GB", "GBP"),
    ("Scandi Rail AB", "SE", "SEK"),
    ("Café Central", "DK", "DKK"),
    ("Atlantic Airlines", "IE", "EUR"),
]
_TAG_GROUPS = {
    "DEPT": ("Departments", ["SALES", "ENG", "FIN", "OPS"], [("REGION", "Region")]),
    "PROJ": ("Projects", ["ALPHA", "BETA", "GAMMA"], [("OWNER", "Owner"), ("BUDGET", "Budget line")]),
}
EXPORT_JOBS = [("completed", 3), ("pending", 2)]


class _Seeder:
    def __init__(self, company: SandboxCompany) -> None:
        self.company = company
        self.records: list[SandboxRecord] = []

    def key(self, label: str) -> str:
        return str(uuid.uuid5(self.company.id, label))

    def add(
        self, resource_name: str, label: str, values: dict[str, Any], parent_id: str = ""
    ) -> dict[str, Any]:
        """A document: the given values over the shape's required fields (sampled)."""
        resource = RESOURCES[resource_name]
        shapes = catalog().shapes
        document = sample({"ref": resource.shape}, shapes, seed=self.key(label), optional=False)
        document.update(values)
        if resource.key_field == "id" and "id" not in values:
            document["id"] = self.key(label)
        for name in ("companyId", "createdAt", "updatedAt"):
            if name in document and name not in values:
                document[name] = str(self.company.id) if name == "companyId" else _MOMENT
        self.records.append(
            record_build(company=self.company, resource=resource, document=document, parent_id=parent_id)
        )
        return document

    def seed(self) -> None:
        self.add(
            "company",
            "company",
            {
                "id": str(self.company.id),
                "name": self.company.name,
                "registrationNumber": "DK12345678",
                "address": {
                    "addressLine1": "Ravnsborggade 2",
                    "locality": "Copenhagen",
                    "postalCode": "2200",
                    "country": "DK",
                },
            },
        )
        for employee in demo.employees():
            values = employee.as_api()
            self.add(
                "employee",
                f"employee/{employee.code}",
                {**values, "id": self.key(f"employee/{employee.code}"), "companyId": str(self.company.id)},
            )
        for code, name in _ACCOUNTS:
            self.add(
                "account",
                f"account/{code}",
                {"code": code, "name": name, "externalId": f"ACC-{code}", "archived": False},
            )
        for code, name, rate, kind in _TAX_CODES:
            self.add(
                "tax-code",
                f"tax-code/{code}",
                {"code": code, "name": name, "rate": rate, "type": kind, "archived": False},
            )
        for index, (name, country, currency) in enumerate(_VENDORS, start=1):
            self.add(
                "vendor",
                f"vendor/{index}",
                {
                    "name": name,
                    "country": country,
                    "defaultCurrency": currency,
                    "state": "ACTIVE",
                    "code": f"V{index:03d}",
                    "externalId": f"VEND-{index:03d}",
                },
            )
        self._tags()
        self._exports()
        self._vendor_import()

    def _tags(self) -> None:
        for group_code, (group_name, tag_codes, dimensions) in _TAG_GROUPS.items():
            group = self.add(
                "tag-group",
                f"tag-group/{group_code}",
                {"code": group_code, "name": group_name, "archived": False, "metadata": {}},
            )
            dimension_ids = []
            for order, (code, name) in enumerate(dimensions):
                dimension = self.add(
                    "tag-group-dimension",
                    f"dimension/{group_code}/{code}",
                    {
                        "code": code,
                        "name": name,
                        "displayOrder": order,
                        "visible": True,
                        "groupId": group["id"],
                    },
                    parent_id=group["id"],
                )
                dimension_ids.append(dimension["id"])
            for tag_code in tag_codes:
                tag = self.add(
                    "tag",
                    f"tag/{group_code}/{tag_code}",
                    {"code": tag_code, "name": tag_code.title(), "archived": False, "groupId": group["id"]},
                    parent_id=group["id"],
                )
                self.add(
                    "tag-dimension-value",
                    f"tag-value/{tag_code}",
                    {
                        "tagId": tag["id"],
                        "dimensionId": dimension_ids[0],
                        "value": f"{tag_code.title()} value",
                    },
                    parent_id=tag["id"],
                )

    def _exports(self) -> None:
        for number, (status, items) in enumerate(EXPORT_JOBS, start=1):
            job = self.add(
                "export-job",
                f"export-job/{number}",
                {
                    "status": status,
                    "numberOfItems": items,
                    "isInteractive": False,
                    "vendorBasedBookkeeping": False,
                    "expiresIn": 3600,
                },
            )
            for item in range(1, items + 1):
                entry = self.key(f"entry/{number}/{item}")
                self.add(
                    "export-job-item",
                    f"export-job-item/{number}/{item}",
                    {
                        "accountingEntryId": entry,
                        "exportJobId": job["id"],
                        "status": "successful" if status == "completed" else "pending",
                    },
                    parent_id=job["id"],
                )
                self.add(
                    "export-item",
                    f"export-item/{number}/{item}",
                    {
                        "accountingEntryId": entry,
                        "date": _MOMENT,
                        "type": "CARD",
                        "note": f"Expense {number}.{item}",
                    },
                    parent_id=job["id"],
                )

    def _vendor_import(self) -> None:
        job = self.add(
            "vendor-import",
            "vendor-import/1",
            {
                "status": "COMPLETED",
                "type": "VENDOR",
                "originalFilename": "vendors.csv",
                "rowsTotal": 7,
                "rowsSucceeded": 5,
                "rowsFailed": 2,
            },
        )
        # A job whose file is in, waiting to run (`:run` answers it).
        self.add(
            "vendor-import",
            "vendor-import/2",
            {
                "status": "UPLOADED",
                "type": "VENDOR",
                "originalFilename": "new-vendors.csv",
                "s3Key": f"sandbox/{self.company.id}/new-vendors.csv",
                "columnNames": ["Konto", "Name", "USt-IdNr."],
                "rowsTotal": 3,
            },
        )
        for row in (3, 6):
            self.add(
                "vendor-import-error",
                f"vendor-import-error/{row}",
                {
                    "csvImportJobId": job["id"],
                    "rowNumber": row,
                    "errorCode": "INVALID_CURRENCY",
                    "errorMessage": "The currency is not a known code.",
                    "rawData": f"row {row}",
                },
                parent_id=job["id"],
            )


def company_records(company: SandboxCompany) -> list[SandboxRecord]:
    """The demo records a company is seeded with (unsaved; the same on every call)."""
    seeder = _Seeder(company)
    seeder.seed()
    return seeder.records


def company_seed(company: SandboxCompany) -> int:
    """Give a company the demo records it lacks; how many were added."""
    before = SandboxRecord.objects.filter(company=company).count()
    SandboxRecord.objects.bulk_create(company_records(company), ignore_conflicts=True)
    return SandboxRecord.objects.filter(company=company).count() - before


def sandbox_company_create(*, company_id: uuid.UUID, name: str) -> tuple[SandboxCompany, bool]:
    """The company with that ID, created with demo records if new."""
    with transaction.atomic():
        company, created = SandboxCompany.objects.get_or_create(pk=company_id, defaults={"name": name})
        if created:
            company_seed(company)
    return company, created


def demo_company() -> SandboxCompany:
    company = SandboxCompany.objects.filter(pk=demo.COMPANY_ID).first()
    if company is None:
        company, _ = sandbox_company_create(company_id=demo.COMPANY_ID, name=demo.COMPANY_NAME)
    return company


def company_for_user(user: Any) -> SandboxCompany:
    """The company a token acts for: its user's own sandbox company, else the demo company."""
    if user is not None:
        own = SandboxCompany.objects.filter(members=user).order_by("created_at", "pk").first()
        if own is not None:
            return own
    return demo_company()


def demo_company_load() -> int:
    """The demo company with every demo record (for `load_demo_data`); how many records were added."""
    company, created = sandbox_company_create(company_id=demo.COMPANY_ID, name=demo.COMPANY_NAME)
    if created:
        return SandboxRecord.objects.filter(company=company).count()
    return company_seed(company)
