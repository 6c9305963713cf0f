"""The generic resources: the six kinds of operation the catalog records (list, search,
get, create, update, delete), answered from `resources.RESOURCES` and the catalog, and
the record helpers (find, create, change) that the operation actions reuse."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse

from core.pleo_api import BODY_DATA, CURSOR, PAGING_PARAMETERS, Operation, catalog
from core.pleo_api.shapes import resolve, sample, shape_errors

from ..models import SandboxRecord
from . import records as store
from .calls import Call, query_values
from .errors import ApiError
from .paging import page_of, page_request
from .presenters import answer, render
from .resources import INCLUDE_ARCHIVED, RESOURCES, Resource

NOT_FOUND = "No {resource} with ID {id} in this company."
ALREADY_EXISTS = "This {resource} already exists."


def not_found(resource: Resource, key: str | None) -> ApiError:
    return ApiError(404, NOT_FOUND.format(resource=resource.name.replace("-", " "), id=key))


def find(call: Call, resource: Resource | None = None, key: str | None = None) -> SandboxRecord:
    """The record the call names (or `key` of `resource`), or a 404."""
    resource = resource or call.res
    key = key if key is not None else call.record_id
    parent_id = call.parent_id if resource is call.resource else None
    record = store.record_find(call.company, resource, key or "", parent_id=parent_id)
    if record is None:
        raise not_found(resource, key)
    return record


def require_parent(call: Call) -> None:
    """A 404 unless the record the path names as parent exists."""
    parent_id = call.parent_id
    if parent_id is not None:
        find(call, RESOURCES[call.res.parent_resource], parent_id)


def _body_field_names(operation: Operation) -> set[str]:
    if operation.body_shape is None:
        return set()
    return set(resolve(operation.body_shape, catalog().shapes).get("fields", {}))


def filtered(call: Call) -> QuerySet[SandboxRecord]:
    """The resource's records that the operation's documented filters let through."""
    require_parent(call)
    records = store.records_of(call.company, call.res, parent_id=call.parent_id)
    given: dict[str, Any] = {}
    for parameter in call.operation.query_parameters:
        if parameter.name not in PAGING_PARAMETERS:
            value = query_values(call, parameter.name)
            if value is not None:
                given[parameter.name] = value
    given.update({name: value for name, value in call.body_fields().items() if value is not None})
    body_fields = _body_field_names(call.operation)
    for name, rule in call.res.filters.items():
        declared = name in body_fields or any(p.name == name for p in call.operation.query_parameters)
        if name in given:
            records = records.filter(store.filter_condition(rule, given[name]))
        elif rule.match == INCLUDE_ARCHIVED and declared:
            records = records.filter(store.filter_condition(rule, False))
    return records


def _query_echo(call: Call) -> dict[str, list[str]]:
    return {key: call.query.getlist(key) for key in call.query if key not in PAGING_PARAMETERS}


def handle_list(call: Call) -> HttpResponse:
    records = filtered(call)
    if call.operation.pagination == CURSOR:
        rows, pagination = page_of(
            records, page_request(call.query), sort_field=call.res.sort_field, parameters=_query_echo(call)
        )
        return answer(call.operation, render(call, rows), pagination)
    if call.operation.body == BODY_DATA:
        # A lookup by filter (no ID in the path): the one match, or 404.
        row = records.order_by("sort_key", "record_id").first()
        if row is None:
            raise not_found(call.res, ",".join(str(value) for value in call.query.dict().values()))
        return answer(call.operation, render(call, [row])[0])
    return answer(call.operation, render(call, list(records.order_by("sort_key", "record_id"))))


def handle_get(call: Call) -> HttpResponse:
    if call.record_id is None:
        return handle_list(call)
    return answer(call.operation, render(call, [find(call)])[0])


def new_document(call: Call, values: dict[str, Any], *, key: str | None = None) -> dict[str, Any]:
    """A new record's document: documented fields from `values`, then generated ones."""
    resource = call.res
    fields = store.item_fields(resource)
    shapes = catalog().shapes
    document = {
        name: value
        for name, value in values.items()
        if name in fields and not shape_errors(value, fields[name], shapes)
    }
    moment = store.now_iso()
    generated = {
        resource.key_field: key or str(uuid.uuid4()),
        "companyId": str(call.company.pk),
        "createdAt": moment,
        "updatedAt": moment,
        "lastUpdatedAt": moment,
    }
    if resource.parent_field and call.parent_id is not None:
        generated[resource.parent_field] = call.parent_id
    document.update({name: value for name, value in generated.items() if name in fields})
    for name, value in resource.initial.items():
        document.setdefault(name, value)
    missing = {
        name: shape for name, shape in fields.items() if shape.get("required") and name not in document
    }
    for name, shape in missing.items():
        document[name] = sample(shape, shapes, name=name, seed=document[resource.key_field], optional=False)
    return document


def create(call: Call, values: dict[str, Any], *, key: str | None = None) -> SandboxRecord:
    resource = call.res
    if key is not None and store.record_find(call.company, resource, key, parent_id=call.parent_id or ""):
        raise ApiError(409, ALREADY_EXISTS.format(resource=resource.name.replace("-", " ")))
    return store.record_create(
        company=call.company,
        resource=resource,
        document=new_document(call, values, key=key),
        parent_id=call.parent_id or "",
    )


def handle_create(call: Call) -> HttpResponse:
    require_parent(call)
    record = create(call, call.body_fields(), key=call.record_id)
    return answer(call.operation, render(call, [record])[0])


def changed(record: SandboxRecord, values: dict[str, Any]) -> dict[str, Any]:
    """The record's document with the documented fields of `values` replaced."""
    resource = RESOURCES[record.resource]
    fields = store.item_fields(resource)
    shapes = catalog().shapes
    fixed = {resource.key_field, "companyId", "createdAt", resource.parent_field}
    document = dict(record.document)
    for name, value in values.items():
        if name in fields and name not in fixed and not shape_errors(value, fields[name], shapes):
            document[name] = value
    for name in ("updatedAt", "lastUpdatedAt"):
        if name in fields:
            document[name] = store.now_iso()
    return document


def handle_update(call: Call) -> HttpResponse:
    record = find(call)
    record = store.record_update(record=record, document=changed(record, call.body_fields()))
    return answer(call.operation, render(call, [record])[0])


def handle_delete(call: Call) -> HttpResponse:
    record = find(call)
    document = record.document
    store.records_delete(
        company=call.company, resource=call.res, records=SandboxRecord.objects.filter(pk=record.pk)
    )
    return answer(call.operation, document)


KINDS: dict[str, Callable[[Call], HttpResponse]] = {
    "list": handle_list,
    "search": handle_list,
    "get": handle_get,
    "create": handle_create,
    "update": handle_update,
    "delete": handle_delete,
}
