"""Reading and writing a sandbox company's records (selectors, then services)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from core.pleo_api import catalog
from core.pleo_api.shapes import Shape, resolve

from ..models import SandboxCompany, SandboxRecord
from .resources import EQ, IN, INCLUDE_ARCHIVED, PARENT_ID, RECORD_ID, RESOURCES, TEXT, Filter, Resource

SORT_KEY_LENGTH = 200


def now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z")


def item_fields(resource: Resource) -> dict[str, Shape]:
    return dict(resolve({"ref": resource.shape}, catalog().shapes).get("fields", {}))


def sort_key(value: Any) -> str:
    """Text that orders like the value: numbers zero-padded, missing values first."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"{value:020.6f}"
    return str(value)[:SORT_KEY_LENGTH]


# Selectors -------------------------------------------------------------------------


def records_of(
    company: SandboxCompany, resource: Resource, *, parent_id: str | None = None
) -> QuerySet[SandboxRecord]:
    records = SandboxRecord.objects.filter(company=company, resource=resource.name)
    return records if parent_id is None else records.filter(parent_id=parent_id)


def record_find(
    company: SandboxCompany, resource: Resource, record_id: str, *, parent_id: str | None = None
) -> SandboxRecord | None:
    return records_of(company, resource, parent_id=parent_id).filter(record_id=record_id).first()


def _column(target: str) -> str:
    return {RECORD_ID: "record_id", PARENT_ID: "parent_id"}.get(target, f"document__{target}")


def filter_condition(rule: Filter, value: Any) -> Q:
    """The condition one documented filter puts on the records, for a given value."""
    if rule.match == TEXT:
        condition = Q()
        for target in rule.target:
            condition |= Q(**{f"{_column(target)}__icontains": str(value)})
        return condition
    assert isinstance(rule.target, str)  # noqa: S101 - only text filters span several fields
    if rule.match == INCLUDE_ARCHIVED:
        return Q() if value else Q(**{_column(rule.target): False})
    if rule.match == IN:
        return Q(**{f"{_column(rule.target)}__in": list(value)})
    assert rule.match == EQ  # noqa: S101
    return Q(**{_column(rule.target): value})


# Services --------------------------------------------------------------------------


def record_build(
    *, company: SandboxCompany, resource: Resource, document: dict[str, Any], parent_id: str = ""
) -> SandboxRecord:
    """An unsaved record for a document (its key and order read from the document)."""
    return SandboxRecord(
        company=company,
        resource=resource.name,
        parent_id=parent_id,
        record_id=str(document[resource.key_field]),
        sort_key=sort_key(document.get(resource.sort_field)),
        document=document,
    )


def record_create(
    *, company: SandboxCompany, resource: Resource, document: dict[str, Any], parent_id: str = ""
) -> SandboxRecord:
    record = record_build(company=company, resource=resource, document=document, parent_id=parent_id)
    record.full_clean()
    record.save()
    return record


def record_update(*, record: SandboxRecord, document: dict[str, Any]) -> SandboxRecord:
    resource = RESOURCES[record.resource]
    record.document = document
    record.sort_key = sort_key(document.get(resource.sort_field))
    record.full_clean(validate_constraints=False)
    record.save(update_fields=["document", "sort_key"])
    return record


def _delete_children(company: SandboxCompany, resource: Resource, parent_ids: Iterable[str]) -> None:
    for child_name in resource.children:
        child = RESOURCES[child_name]
        children = records_of(company, child).filter(parent_id__in=list(parent_ids))
        if child.children:
            _delete_children(company, child, children.values_list("record_id", flat=True))
        children.delete()


def records_delete(*, company: SandboxCompany, resource: Resource, records: QuerySet[SandboxRecord]) -> int:
    """Delete records and, with them, the records that belong to them (a group's tags…)."""
    _delete_children(company, resource, records.values_list("record_id", flat=True))
    deleted, _ = records.delete()
    return deleted
