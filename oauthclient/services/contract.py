"""The contract verdict of a test call: its answer and its body judged against Pleo's documents.

core.pleo_api.contract judges; this module applies the verdict to a TestCall (redacted
and bounded, as everything a test call keeps) and judges a request's body before it is
sent (a warning on staging and the sandbox, a refusal on Pleo production: api_request_check).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from core.pleo_api.contract import (
    DEVIATES,
    MATCHES,
    UNDOCUMENTED,
    operation_for,
    request_body_deviations,
    response_verdict,
)
from core.redaction import redact_text

from .. import messages
from ..models import ContractState, TestCall

if TYPE_CHECKING:
    from .test_call import ApiRequest

# A deviation can quote the value that broke the rule: keep that quote short.
DEVIATION_MAX_LENGTH = 300
_STATES = {
    MATCHES: ContractState.MATCHES,
    DEVIATES: ContractState.DEVIATES,
    UNDOCUMENTED: ContractState.UNDOCUMENTED,
}


def _shortened(text: str, secrets: Iterable[str]) -> str:
    text = redact_text(text, secrets=secrets)
    return text if len(text) <= DEVIATION_MAX_LENGTH else text[: DEVIATION_MAX_LENGTH - 1] + "…"


def request_deviations(request: ApiRequest) -> list[str]:
    """How the request's body departs from the body its operation documents (empty: it fits,
    or the request is no operation of Pleo's documents)."""
    operation = operation_for(request.method, request.path)
    if operation is None:
        return []
    return request_body_deviations(operation, request.body)


def test_call_judge(
    *, record: TestCall, content_type: str, body: bytes, complete: bool, secrets: Iterable[str]
) -> TestCall:
    """Set the record's contract verdict from the answer it received (not saved here)."""
    secrets = list(secrets)
    if not complete:
        operation = operation_for(record.method, record.path)
        record.contract_operation = operation.key if operation else ""
        record.contract_state = ContractState.NOT_JUDGED
        record.contract_note = messages.CONTRACT_BODY_INCOMPLETE
        return record
    verdict = response_verdict(
        method=record.method,
        path=record.path,
        status=record.status_code or 0,
        content_type=content_type,
        body=body,
    )
    record.contract_operation = verdict.operation
    record.contract_state = _STATES.get(verdict.state, ContractState.NOT_JUDGED)
    record.contract_deviations = [_shortened(deviation, secrets) for deviation in verdict.deviations]
    record.contract_note = _shortened(verdict.note, secrets)
    return record


test_call_judge.__test__ = False  # type: ignore[attr-defined]
