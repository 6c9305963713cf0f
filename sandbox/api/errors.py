"""The sandbox API's error answers: Pleo's documented error body, `{"type", "message"}`.

Every error the API sends is JSON in that shape, whatever the status, including the
statuses Pleo does not document for an operation (a malformed request, a missing
token, an unknown ID): a client reads one shape for every refusal. Validation
errors add `errors`, one line per field; the bearer-token errors of RFC 6750 repeat
their code and description as `error` and `error_description` beside it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import JsonResponse

NOT_FOUND = "not_found"
INVALID_REQUEST = "invalid_request"
UNAUTHORIZED = "unauthorized"
FORBIDDEN = "forbidden"
METHOD_NOT_ALLOWED = "method_not_allowed"
CONFLICT = "conflict"
TOO_LARGE = "payload_too_large"
UNPROCESSABLE = "unprocessable_entity"

_TYPES = {
    400: INVALID_REQUEST,
    401: UNAUTHORIZED,
    403: FORBIDDEN,
    404: NOT_FOUND,
    405: METHOD_NOT_ALLOWED,
    409: CONFLICT,
    413: TOO_LARGE,
    422: UNPROCESSABLE,
}


def error_type(status: int) -> str:
    """The `type` an error answer of this status carries."""
    return _TYPES.get(status, INVALID_REQUEST)


class ApiError(Exception):
    """Raised by a handler; the dispatcher answers it as JSON with its status."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        details: list[str] | None = None,
        allow: Iterable[str] = (),
        kind: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        # The `type`, when the status alone does not say it.
        self.kind = kind or error_type(status)
        self.details = details or []
        # 405 only: the methods the path answers (RFC 9110 §15.5.6 wants them in `Allow`).
        self.allow = tuple(allow)

    def response(self) -> JsonResponse:
        body: dict[str, object] = {"type": self.kind, "message": self.message}
        if self.details:
            body["errors"] = self.details
        response = JsonResponse(body, status=self.status)
        if self.allow:
            response["Allow"] = ", ".join(self.allow)
        return response
