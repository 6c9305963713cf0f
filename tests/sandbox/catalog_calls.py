"""Calling any catalog operation on the sandbox: path values, query and body from a company's records."""

from __future__ import annotations

from typing import Any

from core.pleo_api import Operation, catalog
from core.pleo_api.shapes import resolve, sample
from sandbox.api.resources import RESOURCES
from sandbox.models import SandboxCompany, SandboxRecord

from .conftest import TIMEOUT

CATALOG = catalog()
ALL_SCOPES = list(CATALOG.scope_names)


def records(company: SandboxCompany, resource: str, **filters: Any):
    return SandboxRecord.objects.filter(company=company, resource=resource, **filters).order_by(
        "sort_key", "record_id"
    )


def first_key(company: SandboxCompany, resource: str, **filters: Any) -> str:
    return records(company, resource, **filters).values_list("record_id", flat=True)[0]


def _unvalued_dimension(company: SandboxCompany) -> tuple[str, str]:
    """A (tag, dimension of its group) pair with no value yet."""
    for tag in records(company, "tag"):
        valued = set(
            records(company, "tag-dimension-value", parent_id=tag.record_id).values_list(
                "record_id", flat=True
            )
        )
        for dimension in records(company, "tag-group-dimension", parent_id=tag.parent_id):
            if dimension.record_id not in valued:
                return tag.record_id, dimension.record_id
    raise AssertionError("the demo data has no tag without a value for some dimension")


def path_values(company: SandboxCompany, operation: Operation) -> dict[str, str]:
    """Existing records for the path's placeholders (a new key for a create with a key)."""
    if not operation.template_parameters:
        return {}
    resource = RESOURCES[operation.resource or ""]
    parent, key = (
        resource.parent_parameter,
        [p for p in operation.template_parameters if p != resource.parent_parameter],
    )
    if operation.kind == "create" and key:
        tag, dimension = _unvalued_dimension(company)
        return {parent: tag, key[-1]: dimension}
    values = {}
    if parent in operation.template_parameters:
        values[parent] = records(company, resource.name).values_list("parent_id", flat=True)[0]
    if key:
        filters: dict[str, Any] = {"parent_id": values[parent]} if parent in values else {}
        if operation.key == "vendors.import-run":
            # Only a job whose file is in can run.
            filters["document__status"] = "UPLOADED"
        values[key[-1]] = first_key(company, resource.name, **filters)
    return values


def query_values(company: SandboxCompany, operation: Operation) -> dict[str, str]:
    query = {
        p.name: str(company.pk) for p in operation.query_parameters if p.required and p.name == "company_id"
    }
    if operation.key == "export-jobs.item-for-entry":
        query["accounting_entry_id"] = first_key(company, "export-job-item")
    return query


def _entries(company: SandboxCompany, job: str | None = None) -> list[str]:
    filters = {"parent_id": job} if job else {}
    return list(records(company, "export-job-item", **filters).values_list("record_id", flat=True))


# Bodies that must name existing records to do anything.
def _references(
    company: SandboxCompany, operation: Operation, path: dict[str, str]
) -> dict[str, Any] | list | None:
    key = operation.key
    if key == "export-jobs.report-event":
        return {"jobId": first_key(company, "export-job"), "event": "started"}
    if key == "export-jobs.search-items":
        return {"accountingEntryIds": _entries(company)}
    if key == "export-jobs.update-items":
        return [
            {"accountingEntryId": entry, "status": "successful"} for entry in _entries(company, path["jobId"])
        ]
    if key in ("tags.delete-many", "tags.archive-many"):
        return {"tagIds": [first_key(company, "tag")]}
    if key == "tax-codes.calculate":
        amount = {"id": "line-1", "amount": {"currency": "DKK", "minors": 12500}}
        return {"amountsByTaxCodeId": {first_key(company, "tax-code"): [amount]}}
    return None


def body_for(company: SandboxCompany, operation: Operation, path: dict[str, str]) -> Any:
    if operation.body_shape is None:
        return None
    body = sample(operation.body_shape, CATALOG.shapes, seed=operation.key, optional=False)
    if isinstance(body, dict) and "companyId" in resolve(operation.body_shape, CATALOG.shapes).get(
        "fields", {}
    ):
        body["companyId"] = str(company.pk)
    references = _references(company, operation, path)
    if isinstance(references, dict) and isinstance(body, dict):
        body.update(references)
    elif references is not None:
        body = references
    return body


def call(
    session,
    api_url: str,
    company: SandboxCompany,
    operation: Operation,
    *,
    path: dict[str, str] | None = None,
):
    """Send the operation as a client would, with values that exist in the company."""
    path = path if path is not None else path_values(company, operation)
    return session.request(
        operation.method,
        api_url + operation.url_path(**path),
        params=query_values(company, operation),
        json=body_for(company, operation, path),
        timeout=TIMEOUT,
    )
