"""Vendor CSV imports on the sandbox: the upload URL, the upload, and the run.

Pleo hands out an S3 presigned URL for a job's file, the client PUTs the CSV there, then
asks Pleo to run the job. The sandbox plays both parts. Its upload URL is signed like a
presigned URL: it names one job of one company, expires, and needs no bearer token. The
sandbox reads what the file is (its columns and its number of rows) and keeps neither
the file nor any row. Running a job completes it at once with every row skipped: the
sandbox creates no vendors from a file, and says so in the job.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.core import signing
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from core.text import unstorable_reason

from .. import selectors
from ..models import SandboxRecord
from . import records as store
from .calls import Call
from .errors import ApiError
from .kinds import changed, find
from .presenters import answer

# How long an upload URL works, as a presigned URL's expiry does.
UPLOAD_URL_SECONDS = 15 * 60
# The largest file the sandbox reads: enough for a realistic vendor list.
UPLOAD_MAX_BYTES = 1024 * 1024
RESOURCE = "vendor-import"
# Below the sandbox's base URL, as the authorization endpoints are (sandbox/urls.py).
UPLOAD_PATH = "/uploads/"
UPLOADABLE = ("UPLOAD_INITIATED", "UPLOADED")
RUNNABLE = ("UPLOADED", "READY_FOR_IMPORT")

UPLOAD_SIGNATURE_INVALID = (
    "This upload URL is invalid or has expired: ask for a new one with :get-presigned-url."
)
UPLOAD_METHOD = "An upload URL answers PUT only, with the CSV file as the body."
UPLOAD_TOO_LARGE = f"The file must be at most {UPLOAD_MAX_BYTES:,} bytes on the sandbox."
UPLOAD_NOT_CSV = "The file must be UTF-8 CSV text with a header row: {reason}."
UPLOAD_EMPTY = "the file is empty"
UPLOAD_NOT_UTF8 = "it is not UTF-8"
UPLOAD_STATE = (
    "The job is {status}: a file can only be uploaded to a job that is UPLOAD_INITIATED or UPLOADED."
)
RUN_STATE = "The job is {status}: only an UPLOADED or READY_FOR_IMPORT job can run. Upload its file first."

_SALT = "sandbox.vendor-csv-upload"


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=_SALT)


def upload_url(*, record: SandboxRecord) -> str:
    """The signed URL where the file of this job is uploaded: it names the job and its company."""
    signature = _signer().sign_object({"company": str(record.company_id), "job": record.record_id})
    return (
        f"{selectors.sandbox_endpoints().auth_base_url}{UPLOAD_PATH}{record.record_id}?signature={signature}"
    )


def _signed_job(job_id: str, signature: str) -> SandboxRecord:
    """The job an upload URL names, locked, if the signature holds, has not expired and is
    for this job."""
    try:
        signed = _signer().unsign_object(signature, max_age=UPLOAD_URL_SECONDS)
    except (signing.BadSignature, ValueError):
        raise ApiError(403, UPLOAD_SIGNATURE_INVALID) from None
    if not isinstance(signed, dict) or signed.get("job") != job_id:
        raise ApiError(403, UPLOAD_SIGNATURE_INVALID)
    record = (
        SandboxRecord.objects.select_for_update()
        .filter(company_id=signed.get("company"), resource=RESOURCE, record_id=job_id)
        .first()
    )
    if record is None:
        raise ApiError(403, UPLOAD_SIGNATURE_INVALID)
    return record


def _described(content: bytes) -> dict[str, Any]:
    """The columns and the number of data rows of a CSV file, or a 400 saying why not."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(400, UPLOAD_NOT_CSV.format(reason=UPLOAD_NOT_UTF8)) from None
    reason = unstorable_reason(text)
    if reason:
        raise ApiError(400, UPLOAD_NOT_CSV.format(reason=reason.rstrip(".")))
    try:
        rows = [row for row in csv.reader(io.StringIO(text, newline="")) if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise ApiError(400, UPLOAD_NOT_CSV.format(reason=str(error))) from None
    if not rows:
        raise ApiError(400, UPLOAD_NOT_CSV.format(reason=UPLOAD_EMPTY))
    return {"columnNames": rows[0], "rowsTotal": len(rows) - 1}


def vendor_import_upload(*, job_id: str, signature: str, content: bytes) -> SandboxRecord:
    """Take the file of a job: the job becomes UPLOADED, with the file's columns and rows."""
    record = _signed_job(job_id, signature)
    status = record.document.get("status")
    if status not in UPLOADABLE:
        raise ApiError(409, UPLOAD_STATE.format(status=status))
    if len(content) > UPLOAD_MAX_BYTES:
        raise ApiError(413, UPLOAD_TOO_LARGE)
    values = {
        **_described(content),
        "status": "UPLOADED",
        "s3Key": f"sandbox/{record.company_id}/{record.record_id}.csv",
    }
    document = changed(record, values)
    return store.record_update(record=record, document=document)


def vendor_import_upload_url(call: Call) -> HttpResponse:
    return answer(call.operation, {"presignedUrl": upload_url(record=find(call))})


def vendor_import_run(call: Call) -> HttpResponse:
    record = find(call)
    status = record.document.get("status")
    if status not in RUNNABLE:
        raise ApiError(409, RUN_STATE.format(status=status))
    total = record.document.get("rowsTotal") or 0
    values = {
        "status": "COMPLETED",
        "rowsSucceeded": 0,
        "rowsFailed": 0,
        "rowsSkipped": total,
    }
    record = store.record_update(record=record, document=changed(record, values))
    return answer(call.operation, record.document)


@method_decorator(csrf_exempt, name="dispatch")
class UploadView(View):
    """`PUT /sandbox/uploads/<job_id>?signature=…`: the job's CSV file, as S3 takes it."""

    http_method_names = ["put", "options"]

    def put(self, request: HttpRequest, job_id: str) -> HttpResponse:
        try:
            content = request.body
        except RequestDataTooBig:
            return ApiError(413, UPLOAD_TOO_LARGE).response()
        try:
            with transaction.atomic():
                vendor_import_upload(
                    job_id=job_id, signature=request.GET.get("signature", ""), content=content
                )
        except ApiError as error:
            return error.response()
        return HttpResponse(status=200, content_type="application/json")

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return ApiError(405, UPLOAD_METHOD, allow=["PUT"]).response()
