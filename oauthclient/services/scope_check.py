"""The scope check: for each scope a connection was granted, the least invasive catalog
operation that proves it works, run now and kept with the connection.

- A read scope is proved by a list or search of its own (GET before POST, no path
  parameter), asking for the smallest page (`limit=1`).
- A write scope is exercised on the sandbox only, where nothing real changes: a scratch
  record is created with the catalog's sample values and deleted again. When no
  operation of the scope deletes what it creates (export jobs, vendors), the create is
  sent an empty body instead: the sandbox checks the scope before the body, so a 400
  proves the scope and writes nothing. Elsewhere a write scope is shown as granted,
  not exercised.
- A scope no operation documents is listed as such.

Every call goes through the test-call service, so it is recorded with its exchanges
and redacted like any other; the calls are marked as the scope check's, so the history
shows which calls a person typed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.pleo_api import BODY_DATA, BODY_PLAIN, CURSOR, Catalog, Operation, catalog
from core.pleo_api.shapes import resolve, sample
from core.servers import CredentialServer

from .. import errors, messages
from ..errors import OAuthClientError
from ..models import Connection, ScopeCheck, TestCall
from ..operations import COMPANY_FIELDS
from .credential_guard import connection_require_usable_credential
from .test_call import ApiRequest, test_call_send_returning_answer

SMALLEST_PAGE = (("limit", "1"),)
INTROSPECT_PATH = "/v1/introspect"
COMPANY_URN = "urn:pleo:company:"
READ_KINDS = ("list", "search")


class ScopeOutcome:
    PASS = "pass"
    FAIL = "fail"
    NOT_EXERCISED = "not_exercised"
    NO_OPERATION = "no_operation"


@dataclass(frozen=True)
class Probe:
    """How one scope is proved: a read, a create undone by a delete, or a refused create."""

    scope: str
    operation: Operation | None = None
    undo: Operation | None = None  # the delete that removes what `operation` created
    refused_body: bool = False  # send an empty body: the answer proves the scope, nothing is written

    @property
    def writes(self) -> bool:
        return self.operation is not None and self.operation.writes

    @property
    def request_label(self) -> str:
        if self.operation is None:
            return ""
        label = f"{self.operation.method} {self.operation.path}"
        return label + (f" then {self.undo.method} {self.undo.path}" if self.undo else "")


def _read_rank(operation: Operation) -> tuple[bool, bool, int]:
    required = sum(1 for parameter in operation.parameters if parameter.required)
    return (operation.method != "GET", operation.pagination != CURSOR, required)


def scope_probe(scope: str, *, api: Catalog | None = None) -> Probe:
    """The least invasive operation of the catalog that proves `scope`."""
    api = api or catalog()
    documented = [
        operation
        for operation in api.operations
        if operation.scope == scope and not operation.deprecated and not operation.path_parameters
    ]
    reads = [operation for operation in documented if operation.kind in READ_KINDS]
    if reads:
        return Probe(scope=scope, operation=min(reads, key=_read_rank))
    deletes = [
        operation
        for operation in api.operations
        if operation.scope == scope and operation.kind == "delete" and len(operation.path_parameters) == 1
    ]
    writes = sorted(
        (operation for operation in documented if operation.writes), key=lambda op: op.kind != "create"
    )
    for create in (operation for operation in writes if operation.kind == "create"):
        undo = next((delete for delete in deletes if delete.resource == create.resource), None)
        if undo is not None:
            return Probe(scope=scope, operation=create, undo=undo)
    if writes:
        return Probe(scope=scope, operation=writes[0], refused_body=True)
    return Probe(scope=scope)


def _needs_company(probe: Probe) -> bool:
    """The probe's request names the company: a required query parameter or body field."""
    operation = probe.operation
    if operation is None:
        return False
    required = [p.name for p in operation.parameters if p.required]
    if operation.body_shape is not None and not probe.refused_body:
        fields = resolve(operation.body_shape, catalog().shapes).get("fields", {})
        required += [name for name, shape in fields.items() if shape.get("required")]
    return any(name in COMPANY_FIELDS for name in required)


def _probe_request(probe: Probe, company_id: str) -> ApiRequest:
    operation = probe.operation
    assert operation is not None  # noqa: S101 - only probes with an operation are sent
    query = [
        (p.name, company_id) for p in operation.query_parameters if p.required and p.name in COMPANY_FIELDS
    ]
    if operation.pagination == CURSOR:
        query += SMALLEST_PAGE
    body = ""
    if probe.refused_body:
        body = "{}"
    elif operation.body_shape is not None:
        values = sample(operation.body_shape, catalog().shapes, seed="scope check", optional=False)
        if isinstance(values, dict):
            values.update({name: company_id for name in COMPANY_FIELDS if name in values})
        body = json.dumps(values)
    return ApiRequest(method=operation.method, path=operation.path, query=tuple(query), body=body)


def _answer(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _reason(call: TestCall, body: bytes) -> str:
    """Why a call failed, in the server's words where it gave some."""
    if call.error_code:
        return call.error_message
    answer = _answer(body)
    said = ""
    if isinstance(answer, dict):
        said = str(answer.get("error_description") or answer.get("message") or answer.get("error") or "")
    return messages.SCOPE_CALL_FAILED.format(status=call.status_code, reason=said or "no reason given")


class _Run:
    """One check in progress: the calls it made, in order."""

    def __init__(self, connection: Connection, user: Any) -> None:
        self.connection = connection
        self.user = user
        self.calls: list[TestCall] = []

    def send(self, request: ApiRequest, *, read_only: bool) -> tuple[TestCall, bytes]:
        call, body = test_call_send_returning_answer(
            connection=self.connection,
            user=self.user,
            request=request,
            # A list or search reads; the check never writes on Pleo production.
            production_confirmed=read_only,
            scope_check=True,
        )
        self.calls.append(call)
        self.connection.refresh_from_db()
        return call, body

    def company(self) -> tuple[str, str]:
        """The company the token acts for (GET /v1/introspect's subject), or why it is unknown."""
        call, body = self.send(ApiRequest(path=INTROSPECT_PATH), read_only=True)
        if not call.ok:
            return "", _reason(call, body)
        answer = _answer(body)
        data = answer.get("data") if isinstance(answer, dict) else None
        subject = str(data.get("subjectURN") or "") if isinstance(data, dict) else ""
        if not subject.startswith(COMPANY_URN):
            return "", f"its subject is {subject or 'missing'}"
        return subject[len(COMPANY_URN) :], ""


def _created_id(operation: Operation, undo: Operation, body: bytes) -> str:
    answer = _answer(body)
    item = answer.get("data") if operation.body == BODY_DATA and isinstance(answer, dict) else answer
    if operation.body not in (BODY_DATA, BODY_PLAIN) or not isinstance(item, dict):
        return ""
    key = undo.template_parameters[0]
    return str(item.get("id") or item.get(key) or "")


def _row(probe: Probe, calls: list[TestCall], outcome: str, reason: str) -> dict[str, Any]:
    last = calls[-1] if calls else None
    return {
        "scope": probe.scope,
        "operation": probe.operation.name if probe.operation else "",
        "request": probe.request_label,
        "status": " / ".join(str(call.status_code or call.error_code) for call in calls),
        "duration_ms": sum(call.duration_ms or 0 for call in calls) if calls else None,
        "outcome": outcome,
        "reason": reason,
        "calls": [call.pk for call in calls],
        "last_call": last.pk if last else None,
    }


def _run_probe(run: _Run, probe: Probe, *, company: tuple[str, str], on_sandbox: bool) -> dict[str, Any]:
    operation = probe.operation
    if operation is None:
        return _row(probe, [], ScopeOutcome.NO_OPERATION, messages.SCOPE_NO_OPERATION)
    if probe.writes and not on_sandbox:
        return _row(probe, [], ScopeOutcome.NOT_EXERCISED, messages.SCOPE_NOT_EXERCISED)
    company_id, unknown = company
    if _needs_company(probe) and not company_id:
        return _row(probe, [], ScopeOutcome.FAIL, messages.SCOPE_COMPANY_UNKNOWN.format(reason=unknown))
    started = len(run.calls)
    call, body = run.send(_probe_request(probe, company_id), read_only=not probe.writes)
    made = run.calls[started:]
    if probe.refused_body:
        if call.status_code == 400:
            return _row(probe, made, ScopeOutcome.PASS, messages.SCOPE_REFUSAL_PASSED)
        return _row(probe, made, ScopeOutcome.FAIL, _reason(call, body))
    if not call.ok:
        return _row(probe, made, ScopeOutcome.FAIL, _reason(call, body))
    if probe.undo is None:
        return _row(probe, made, ScopeOutcome.PASS, messages.SCOPE_READ_PASSED)
    resource = (operation.resource or "record").replace("-", " ")
    record_id = _created_id(operation, probe.undo, body)
    if not record_id:
        return _row(probe, made, ScopeOutcome.FAIL, messages.SCOPE_CREATED_NO_ID.format(resource=resource))
    path = probe.undo.url_path(**{probe.undo.template_parameters[0]: record_id})
    deleted, answer = run.send(ApiRequest(method=probe.undo.method, path=path), read_only=False)
    made = run.calls[started:]
    if not deleted.ok:
        reason = _reason(deleted, answer)
        return _row(
            probe,
            made,
            ScopeOutcome.FAIL,
            messages.SCOPE_NOT_DELETED.format(resource=resource, id=record_id, reason=reason),
        )
    return _row(
        probe, made, ScopeOutcome.PASS, messages.SCOPE_WRITE_PASSED.format(resource=resource, id=record_id)
    )


def connection_check_scopes(*, connection: Connection, user: Any) -> ScopeCheck:
    """Run the scope check for every granted scope and keep it as the connection's last one."""
    connection_require_usable_credential(connection)
    if not connection.is_connected:
        raise OAuthClientError(messages.NOT_CONNECTED, code=errors.CODE_NOT_CONNECTED)
    scopes = connection.scope.split()
    if not scopes:
        raise OAuthClientError(messages.SCOPE_CHECK_NO_SCOPES, code="no_scopes")
    on_sandbox = connection.credential.server == CredentialServer.SANDBOX
    probes = [scope_probe(scope) for scope in scopes]
    run = _Run(connection, user)
    sent = [probe for probe in probes if (on_sandbox or not probe.writes) and _needs_company(probe)]
    company = run.company() if sent else ("", "")
    rows = [_run_probe(run, probe, company=company, on_sandbox=on_sandbox) for probe in probes]
    with transaction.atomic():
        check, _created = ScopeCheck.objects.update_or_create(
            connection=connection,
            defaults={"user": user, "checked_at": timezone.now(), "company_id": company[0], "results": rows},
        )
    return check


def scope_check_summary(check: ScopeCheck) -> tuple[int, int]:
    """(passed, exercised): how many scopes passed of those that were run."""
    exercised = [row for row in check.results if row["outcome"] in (ScopeOutcome.PASS, ScopeOutcome.FAIL)]
    return sum(1 for row in exercised if row["outcome"] == ScopeOutcome.PASS), len(exercised)
