"""Views that fail with credentials in their locals, their request and their exception."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

CLIENT_SECRET = "0f8e7d6c5b4a39281706f5e4d3c2b1a0"
ACCESS_TOKEN = "eyJhbGciOiJIUzI1NiJ9.access-token-for-the-error-page"
AUTHORIZATION_CODE = "authorization-code-value-0123456789"
CODE_VERIFIER = "verifier-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"


def fails_with_secrets_in_locals(request: HttpRequest) -> HttpResponse:
    client_secret = CLIENT_SECRET
    payload = {"access_token": ACCESS_TOKEN, "token_type": "Bearer"}
    form_body = f"grant_type=authorization_code&code={AUTHORIZATION_CODE}&code_verifier={CODE_VERIFIER}"
    headers = {"Authorization": f"Bearer {ACCESS_TOKEN}"}
    raise RuntimeError(f"the view failed after building {len(client_secret + form_body)} {payload} {headers}")


def fails_encoding_a_header(request: HttpRequest) -> HttpResponse:
    value = f"Bearer {ACCESS_TOKEN}\u0101"
    value.encode("latin-1")
    return HttpResponse()


def fails_with_the_secret_in_the_message(request: HttpRequest) -> HttpResponse:
    raise ValueError(f"refused: client_secret={CLIENT_SECRET}")


def fails_after_reading_parameters(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(f"failed with {len(request.GET) + len(request.POST)} parameters")


urlpatterns = [
    path("locals/", fails_with_secrets_in_locals),
    path("header/", fails_encoding_a_header),
    path("message/", fails_with_the_secret_in_the_message),
    path("parameters/", fails_after_reading_parameters),
]
