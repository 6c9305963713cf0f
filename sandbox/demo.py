"""The sandbox's demo company and its employees: generated, deterministic.

A token acts for this one company unless its user belongs to a sandbox company
of their own, so the API's answers are the same on every machine and in every
test run. `sandbox.api.demo_data` stores these employees (and the company's
other records) as the API's records.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache

_NAMESPACE = uuid.UUID("6f1d1a4e-4b1e-5c35-9b0e-2f6c6b8f3a10")

COMPANY_ID = uuid.uuid5(_NAMESPACE, "company")
COMPANY_NAME = "Sandbox Demo Company ApS"
COMPANY_SUBJECT = f"urn:pleo:company:{COMPANY_ID}"
EMPLOYEE_COUNT = 42

_FIRST_NAMES = ["Astrid", "Bo", "Clara", "Dag", "Emma", "Frederik", "Greta", "Hans", "Ida", "Jonas", "Karen"]
_LAST_NAMES = ["Andersen", "Berg", "Christensen", "Dahl", "Eriksen", "Friis", "Holm"]
_JOB_TITLES = ["Accountant", "Sales Manager", "Engineer", "Designer", "Office Manager", "CFO"]


@dataclass(frozen=True)
class Employee:
    id: uuid.UUID
    first_name: str
    last_name: str
    email: str
    code: str
    job_title: str
    phone: str

    def as_api(self) -> dict[str, str]:
        """Shaped like Pleo's `GET /v2/employees` items."""
        return {
            "id": str(self.id),
            "companyId": str(COMPANY_ID),
            "firstName": self.first_name,
            "lastName": self.last_name,
            "email": self.email,
            "code": self.code,
            "jobTitle": self.job_title,
            "phone": self.phone,
        }


@cache
def employees() -> tuple[Employee, ...]:
    result = []
    for index in range(EMPLOYEE_COUNT):
        first = _FIRST_NAMES[index % len(_FIRST_NAMES)]
        last = _LAST_NAMES[(index * 3) % len(_LAST_NAMES)]
        result.append(
            Employee(
                id=uuid.uuid5(_NAMESPACE, f"employee-{index}"),
                first_name=first,
                last_name=last,
                email=f"{first.lower()}.{last.lower()}.{index + 1}@demo-company.example",
                code=f"EMP-{index + 1:04d}",
                job_title=_JOB_TITLES[index % len(_JOB_TITLES)],
                phone=f"+45 20 00 {index // 100:02d} {index % 100:02d}",
            )
        )
    return tuple(result)
