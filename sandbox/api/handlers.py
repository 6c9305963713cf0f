"""What each catalog operation does on a sandbox company's records.

Most operations are one of six kinds the catalog records (list, search, get,
create, update, delete) and are answered by the generic handlers here, driven by
the catalog and `resources.RESOURCES`. The rest have a handler of their own in
`ACTIONS`, keyed by operation.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.http import HttpResponse, JsonResponse, QueryDict

from core.pleo_api import (
    BODY_DATA,
    BODY_DATA_LIST,
    BODY_EMPTY,
    BODY_PAGE,
    CURSOR,
    PAGING_PARAMETERS,
    Operation,
    catalog,
)
from core.pleo_api.shapes import resolve, sample, shape_errors

from .. import selectors
from ..models import SandboxCompany, SandboxRecord
from . import records as store
from .errors import ApiError
from .paging import page_of, page_request
from .resources import INCLUDE_ARCHIVED, RESOURCES, Resource

NOT_FOUND = "No {resource} with ID {id} in this company."
ALREADY_EXISTS = "This {resource} already exists."
OTHER_COMPANY = "The token acts for company {company}, not {given}."
BAD_BODY = "The request body does not match the documented shape."
BODY_REQUIRED = "This operation needs a JSON request body."
BAD_JSON = "The request body must be JSON (Content-Type: application/json)."
BAD_PARAMETER = "Query parameter {name} must be {type}."
# An integer query value: ASCII digits (not ² or ٣, which str.isdigit() accepts), 64-bit sized.
_INTEGER = re.compile(r"-?[0-9]{1,18}")
PARAMETER_REQUIRED = "Query parameter {name} is required."
NOT_SUPPORTED = (
    "The sandbox does not run vendor CSV imports: it neither hands out upload URLs nor processes files. "
    "Create, read, search and update import jobs instead."
)
UNKNOWN_ENTRY = "No item for accounting entry {id} in this export job."
UNKNOWN_JOB = "No export job with ID {id} in this company."
COMPANY_PARAMETERS = ("companyId", "company_id")
_TRUE = ("true", "1")


@dataclass
class Call:
    """One API request, resolved: the operation, whose records, and what was sent."""

    operation: Operation
    company: SandboxCompany
    access_token: Any
    path: dict[str, str]
    query: QueryDict
    body: Any
    resource: Resource | None = field(init=False)

    def __post_init__(self) -> None:
        self.resource = RESOURCES.get(self.operation.resource or "")

    @property
    def res(self) -> Resource:
        assert self.resource is not None  # noqa: S101 - every generic operation names a resource
        return self.resource

    @property
    def parent_id(self) -> str | None:
        parameter = self.res.parent_parameter
        return self.path.get(parameter) if parameter else None

    @property
    def record_id(self) -> str | None:
        """The last path placeholder that is not the parent's: this record's key."""
        keys = [name for name in self.operation.template_parameters if name != self.res.parent_parameter]
        return self.path[keys[-1]] if keys else None

    def body_fields(self) -> dict[str, Any]:
        return self.body if isinstance(self.body, dict) else {}


# Checks shared by every operation ---------------------------------------------------


def parse_body(operation: Operation, raw: bytes) -> Any:
    if operation.body_shape is None:
        return None
    if not raw.strip():
        if operation.body_required:
            raise ApiError(400, BODY_REQUIRED)
        return None
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError(400, BAD_JSON) from None
    errors = shape_errors(body, operation.body_shape, catalog().shapes, "body")
    if errors:
        raise ApiError(400, BAD_BODY, details=errors)
    return body


def check_query(operation: Operation, query: QueryDict) -> None:
    for parameter in operation.query_parameters:
        values = query.getlist(parameter.name)
        if not values:
            if parameter.required:
                raise ApiError(400, PARAMETER_REQUIRED.format(name=parameter.name))
            continue
        for value in values:
            if (parameter.type == "integer" and not _INTEGER.fullmatch(value)) or (
                parameter.type == "boolean" and value not in ("true", "false")
            ):
                raise ApiError(400, BAD_PARAMETER.format(name=parameter.name, type=parameter.type))


def check_company(call: Call) -> None:
    """A company named in the query or body must be the token's own."""
    given = [call.query.get(name) for name in COMPANY_PARAMETERS] + [
        call.body_fields().get(name) for name in COMPANY_PARAMETERS
    ]
    for value in given:
        if value and value != str(call.company.pk):
            raise ApiError(403, OTHER_COMPANY.format(company=call.company.pk, given=value))


# Answers ----------------------------------------------------------------------------


def answer(operation: Operation, items: Any = None, pagination: dict[str, Any] | None = None) -> HttpResponse:
    """The operation's documented success body around `items`."""
    if operation.body == BODY_EMPTY:
        return HttpResponse(status=operation.status)
    if operation.body == BODY_PAGE:
        return JsonResponse({"data": items, "pagination": pagination}, status=operation.status)
    if operation.body in (BODY_DATA, BODY_DATA_LIST):
        return JsonResponse({"data": items}, status=operation.status)
    return JsonResponse(items, status=operation.status, safe=False)


def _not_found(resource: Resource, key: str | None) -> ApiError:
    return ApiError(404, NOT_FOUND.format(resource=resource.name.replace("-", " "), id=key))


def find(call: Call, resource: Resource | None = None, key: str | None = None) -> SandboxRecord:
    resource = resource or call.res
    key = key if key is not None else call.record_id
    parent_id = call.parent_id if resource is call.resource else None
    record = store.record_find(call.company, resource, key or "", parent_id=parent_id)
    if record is None:
        raise _not_found(resource, key)
    return record


def _require_parent(call: Call) -> None:
    parent_id = call.parent_id
    if parent_id is not None:
        find(call, RESOURCES[call.res.parent_resource], parent_id)


def _query_values(call: Call, name: str) -> Any:
    values = [part for value in call.query.getlist(name) for part in value.split(",") if part]
    parameter = next(p for p in call.operation.query_parameters if p.name == name)
    if parameter.type == "array":
        return values
    if parameter.type == "boolean":
        return values[0] in _TRUE
    return values[0]


def filtered(call: Call) -> QuerySet[SandboxRecord]:
    """The resource's records that the operation's documented filters let through."""
    _require_parent(call)
    records = store.records_of(call.company, call.res, parent_id=call.parent_id)
    given: dict[str, Any] = {}
    for parameter in call.operation.query_parameters:
        if parameter.name in call.query and parameter.name not in PAGING_PARAMETERS:
            given[parameter.name] = _query_values(call, parameter.name)
    given.update({name: value for name, value in call.body_fields().items() if value is not None})
    body_fields = _body_field_names(call.operation)
    for name, rule in call.res.filters.items():
        declared = name in body_fields or any(p.name == name for p in call.operation.query_parameters)
        if name in given:
            records = records.filter(store.filter_condition(rule, given[name]))
        elif rule.match == INCLUDE_ARCHIVED and declared:
            records = records.filter(store.filter_condition(rule, False))
    return records


def _body_field_names(operation: Operation) -> set[str]:
    if operation.body_shape is None:
        return set()
    return set(resolve(operation.body_shape, catalog().shapes).get("fields", {}))


def _query_echo(call: Call) -> dict[str, list[str]]:
    return {key: call.query.getlist(key) for key in call.query if key not in PAGING_PARAMETERS}


def render(call: Call, rows: list[SandboxRecord]) -> list[Any]:
    presenter = PRESENTERS.get(call.operation.key)
    return presenter(call, rows) if presenter else [row.document for row in rows]


# The generic kinds ------------------------------------------------------------------


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
            raise _not_found(call.res, ",".join(str(value) for value in call.query.dict().values()))
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
    _require_parent(call)
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


# Operations with a handler of their own ---------------------------------------------


def introspect(call: Call) -> HttpResponse:
    token = call.access_token
    subject = f"urn:pleo:company:{call.company.pk}"
    documented = {
        "applicationName": token.application.name,
        "authMethod": "OAUTH2",
        "clientId": token.application.client_id,
        "scope": token.scope,
        "subjectURN": subject,
    }
    # The sandbox's earlier answer stays alongside Pleo's `data` (see LEGACY_INTROSPECTION_KEYS).
    legacy = selectors.token_api_introspection(access_token=token)
    legacy.update(subject=subject, company={"id": str(call.company.pk), "name": call.company.name})
    return JsonResponse({"data": documented, **legacy})


# Top-level keys of GET /v1/introspect that Pleo does not document: the sandbox's
# own answer from before it followed the catalog, kept for the clients that read it.
LEGACY_INTROSPECTION_KEYS = frozenset(
    {"client_id", "application_name", "scopes", "subject", "company", "expires_at"}
)


def accounts_create_batch(call: Call) -> HttpResponse:
    body = call.body_fields()
    existing = set(
        store.records_of(call.company, call.res)
        .filter(document__externalId__in=[item["externalId"] for item in body["items"]])
        .values_list("document__externalId", flat=True)
    )
    created, failed = [], []
    for item in body["items"]:
        if item["externalId"] in existing:
            failed.append({"request": item, "reasons": ["EXTERNAL_ID_ALREADY_EXISTS"]})
            continue
        existing.add(item["externalId"])
        created.append(create(call, item).document)
    return answer(call.operation, {"created": created, "failed": failed})


_JOB_STATUS_AFTER_EVENT = {
    "started": "in_progress",
    "failed": "failed",
    "completed": "completed",
    "completed_with_errors": "completed_with_errors",
}


def export_job_event(call: Call) -> HttpResponse:
    body = call.body_fields()
    # Pleo documents the body as optional, but an event names its job and what happened.
    if not body:
        raise ApiError(400, BODY_REQUIRED)
    record = store.record_find(call.company, call.res, body["jobId"])
    if record is None:
        raise ApiError(422, UNKNOWN_JOB.format(id=body["jobId"]))
    moment = store.now_iso()
    values: dict[str, Any] = {"status": _JOB_STATUS_AFTER_EVENT[body["event"]]}
    values.update({"startedAt": moment} if body["event"] == "started" else {"completedAt": moment})
    values.update({name: body[name] for name in ("failureReason", "failureReasonType") if name in body})
    store.record_update(record=record, document=changed(record, values))
    return answer(call.operation)


def export_job_create(call: Call) -> HttpResponse:
    body = call.body_fields()
    entries = list(dict.fromkeys(body.get("accountingEntryIds", [])))
    values = {**body, "status": "pending", "numberOfItems": len(entries), "expiresIn": 3600}
    values.setdefault("isInteractive", False)
    values["vendorBasedBookkeeping"] = bool((body.get("options") or {}).get("vendorBasedBookkeeping"))
    job = create(call, values)
    item_resource = RESOURCES["export-job-item"]
    for entry in entries:
        store.record_create(
            company=call.company,
            resource=item_resource,
            document={"accountingEntryId": entry, "exportJobId": job.record_id, "status": "pending"},
            parent_id=job.record_id,
        )
    return answer(call.operation, job.document)


def export_job_items_update(call: Call) -> HttpResponse:
    _require_parent(call)
    updates = call.body if isinstance(call.body, list) else []
    items = {
        record.record_id: record
        for record in store.records_of(call.company, call.res, parent_id=call.parent_id).filter(
            record_id__in=[update["accountingEntryId"] for update in updates]
        )
    }
    done, errors = [], []
    for update in updates:
        record = items.get(update["accountingEntryId"])
        if record is None:
            errors.append(
                {
                    "accountingEntryId": update["accountingEntryId"],
                    "type": "not_found",
                    "message": UNKNOWN_ENTRY.format(id=update["accountingEntryId"]),
                }
            )
            continue
        done.append(store.record_update(record=record, document=changed(record, update)).document)
    return answer(call.operation, {"data": done, "errors": errors})


def _tags_named(call: Call) -> QuerySet[SandboxRecord]:
    return store.records_of(call.company, call.res).filter(record_id__in=call.body_fields()["tagIds"])


def tags_delete_many(call: Call) -> HttpResponse:
    store.records_delete(company=call.company, resource=call.res, records=_tags_named(call))
    return answer(call.operation)


def tags_archive_many(call: Call) -> HttpResponse:
    archived = call.body_fields()["archived"]
    documents = [
        store.record_update(record=record, document=changed(record, {"archived": archived})).document
        for record in _tags_named(call).order_by("sort_key", "record_id")
    ]
    return answer(call.operation, documents)


def tag_group_usage(call: Call) -> HttpResponse:
    group = find(call)
    tags = store.records_of(call.company, RESOURCES["tag"], parent_id=group.record_id).order_by("sort_key")
    # The sandbox has no expenses to tag: every tag is used zero times.
    return answer(call.operation, {"usages": [{"id": tag.record_id, "count": 0} for tag in tags]})


def _tax_breakdown(amount: dict[str, Any], tax_code: dict[str, Any]) -> dict[str, Any]:
    minors, rate = amount["minors"], float(tax_code["rate"])
    if tax_code["type"] == "inclusive":
        net = round(minors / (1 + rate))
        gross, tax = minors, minors - net
    elif tax_code["type"] == "exclusive":
        net, tax = minors, round(minors * rate)
        gross = net + tax
    else:  # reverse charge: the buyer accounts for the tax, none is paid
        net, gross, tax = minors, minors, 0
    currency = amount["currency"]
    return {
        key: {"currency": currency, "minors": value}
        for key, value in (("gross", gross), ("net", net), ("tax", tax))
    }


def tax_codes_calculate(call: Call) -> HttpResponse:
    requested = call.body_fields()["amountsByTaxCodeId"]
    tax_codes = {
        record.record_id: record.document
        for record in store.records_of(call.company, call.res).filter(record_id__in=list(requested))
    }
    for key in requested:
        if key not in tax_codes:
            raise _not_found(call.res, key)
    taxes = {
        key: [
            {"id": item["id"], "amountTaxBreakdown": _tax_breakdown(item["amount"], tax_codes[key])}
            for item in items
        ]
        for key, items in requested.items()
    }
    return answer(call.operation, {"taxes": taxes})


def _vendor_state(state: str) -> Callable[[Call], HttpResponse]:
    def handle(call: Call) -> HttpResponse:
        record = find(call)
        store.record_update(record=record, document=changed(record, {**call.body_fields(), "state": state}))
        return answer(call.operation)

    return handle


def vendor_import_metadata(call: Call) -> HttpResponse:
    record = find(call)
    body = call.body_fields()
    metadata = (
        body["metadata"]
        if body["strategy"] == "REPLACE"
        else {**record.document.get("metadata", {}), **body["metadata"]}
    )
    record = store.record_update(record=record, document=changed(record, {"metadata": metadata}))
    return answer(call.operation, record.document)


def vendor_import_status(call: Call) -> HttpResponse:
    record = find(call)
    body = call.body_fields()
    values = {
        "status": body["status"],
        "errorCode": body.get("errorType"),
        "errorMessage": body.get("errorMessage"),
    }
    record = store.record_update(
        record=record, document=changed(record, {k: v for k, v in values.items() if v is not None})
    )
    return answer(call.operation, record.document)


def not_supported(call: Call) -> HttpResponse:
    find(call)
    raise ApiError(501, NOT_SUPPORTED)


ACTIONS: dict[str, Callable[[Call], HttpResponse]] = {
    "introspect.get": introspect,
    "accounts.create-batch": accounts_create_batch,
    "export-jobs.report-event": export_job_event,
    "export-jobs.create": export_job_create,
    "export-jobs.update-items": export_job_items_update,
    "tags.delete-many": tags_delete_many,
    "tags.archive-many": tags_archive_many,
    "tag-groups.usage": tag_group_usage,
    "tax-codes.calculate": tax_codes_calculate,
    "vendors.activate": _vendor_state("ACTIVE"),
    "vendors.archive": _vendor_state("ARCHIVED"),
    "vendors.import-metadata": vendor_import_metadata,
    "vendors.import-status": vendor_import_status,
    "vendors.import-upload-url": not_supported,
    "vendors.import-run": not_supported,
}
# The operations the sandbox answers with 501 (they would start work outside it).
NOT_SUPPORTED_OPERATIONS = tuple(key for key, handler in ACTIONS.items() if handler is not_supported)


# Items shown in another shape than the stored one ----------------------------------


def _dimensions_by_group(call: Call, group_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in (
        store.records_of(call.company, RESOURCES["tag-group-dimension"])
        .filter(parent_id__in=group_ids)
        .order_by("sort_key")
    ):
        grouped.setdefault(row.parent_id, []).append(row.document)
    return grouped


def _dimension_fields(dimension: dict[str, Any]) -> dict[str, Any]:
    return {name: dimension[name] for name in ("id", "code", "name", "displayOrder", "visible")}


def aggregated_groups(call: Call, rows: list[SandboxRecord]) -> list[Any]:
    dimensions = _dimensions_by_group(call, [row.record_id for row in rows])
    return [
        {
            **{
                key: value for key, value in row.document.items() if key not in ("metadata", "totalTagsCount")
            },
            "dimensions": [
                {**_dimension_fields(d), "createdAt": d["createdAt"], "updatedAt": d["updatedAt"]}
                for d in dimensions.get(row.record_id, [])
            ],
        }
        for row in rows
    ]


def aggregated_tags(call: Call, rows: list[SandboxRecord]) -> list[Any]:
    group_ids = sorted({row.parent_id for row in rows})
    groups = {
        group.record_id: group.document
        for group in store.records_of(call.company, RESOURCES["tag-group"]).filter(record_id__in=group_ids)
    }
    dimensions = {d["id"]: d for ds in _dimensions_by_group(call, group_ids).values() for d in ds}
    values: dict[str, list[dict[str, Any]]] = {}
    for value in store.records_of(call.company, RESOURCES["tag-dimension-value"]).filter(
        parent_id__in=[row.record_id for row in rows]
    ):
        dimension = dimensions.get(value.record_id)
        if dimension is not None:
            values.setdefault(value.parent_id, []).append(
                {**_dimension_fields(dimension), "value": value.document["value"]}
            )
    result = []
    for row in rows:
        group = groups.get(row.parent_id, {})
        result.append(
            {
                **{key: value for key, value in row.document.items() if key != "groupId"},
                "companyId": str(call.company.pk),
                "group": {"id": row.parent_id, "code": group.get("code", ""), "name": group.get("name", "")},
                "dimensions": values.get(row.record_id, []),
            }
        )
    return result


def groups_with_counts(call: Call, rows: list[SandboxRecord]) -> list[Any]:
    if call.query.get("include_tags_count") not in _TRUE:
        return [row.document for row in rows]
    counts = dict(
        store.records_of(call.company, RESOURCES["tag"])
        .filter(parent_id__in=[row.record_id for row in rows])
        .values_list("parent_id")
        .annotate(count=Count("pk"))
        .values_list("parent_id", "count")
    )
    return [{**row.document, "totalTagsCount": counts.get(row.record_id, 0)} for row in rows]


PRESENTERS: dict[str, Callable[[Call, list[SandboxRecord]], list[Any]]] = {
    "tags.search-aggregated": aggregated_tags,
    "tag-groups.list-aggregated": aggregated_groups,
    "tag-groups.list": groups_with_counts,
}


def handle(call: Call) -> HttpResponse:
    check_company(call)
    handler = ACTIONS.get(call.operation.key) or KINDS[call.operation.kind]
    return handler(call)
