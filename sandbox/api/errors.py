"""The sandbox API's error answers: Pleo's documented error body, `{"type", "message"}`."""

from __future__ import annotations

from django.http import JsonResponse

NOT_FOUND = "not_found"
INVALID_REQUEST = "invalid_request"
FORBIDDEN = "forbidden"
CONFLICT = "conflict"
UNPROCESSABLE = "unprocessable_entity"
NOT_SUPPORTED = "not_supported"

_TYPES = {
    400: INVALID_REQUEST,
    403: FORBIDDEN,
    404: NOT_FOUND,
    409: CONFLICT,
    422: UNPROCESSABLE,
    501: NOT_SUPPORTED,
}


class ApiError(Exception):
    """Raised by a handler; the dispatcher answers it as JSON with its status."""

    def __init__(self, status: int, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or []

    def response(self) -> JsonResponse:
        body: dict[str, object] = {"type": _TYPES.get(self.status, INVALID_REQUEST), "message": self.message}
        if self.details:
            body["errors"] = self.details
        return JsonResponse(body, status=self.status)
