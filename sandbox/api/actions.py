"""Operation actions: the catalog operations that are none of the generic kinds, each
with a handler of its own (`ACTIONS`, keyed by operation): introspection, batch and
bulk writes, export job events, tag group usage, tax calculation, vendor states and
vendor import jobs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, JsonResponse

from .. import selectors
from ..models import SandboxRecord
from . import records as store
from . import uploads
from .calls import BODY_REQUIRED, Call
from .errors import ApiError
from .kinds import changed, create, find, require_parent
from .presenters import answer
from .resources import RESOURCES

UNKNOWN_ENTRY = "No item for accounting entry {id} in this export job."
UNKNOWN_JOB = "No export job with ID {id} in this company."
UNKNOWN_TAX_CODE = "No tax code with ID {id} in this company."


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
    require_parent(call)
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
    unknown = [key for key in requested if key not in tax_codes]
    if unknown:
        raise ApiError(422, UNKNOWN_TAX_CODE.format(id=unknown[0]))
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
    "vendors.import-upload-url": uploads.vendor_import_upload_url,
    "vendors.import-run": uploads.vendor_import_run,
}
# Error answers an action sends beyond those of every operation (the sandbox's OpenAPI
# document lists them): a body naming a record the company lacks, a job not ready to run.
ACTION_ERRORS: dict[str, tuple[int, ...]] = {
    "export-jobs.report-event": (422,),
    "tax-codes.calculate": (422,),
    "vendors.import-run": (409,),
}
