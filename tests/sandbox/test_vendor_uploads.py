"""Vendor CSV imports on the sandbox: a job's upload URL, the upload at it, and the run.

Requests go through Django's test client with a token holding every scope; the upload URL is
called as a client calls S3's, with no token. Every API answer is also judged against Pleo's
documents (core.pleo_api.contract), as the console judges it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from core.pleo_api.contract import MATCHES, response_verdict
from sandbox import demo
from sandbox.api import uploads
from sandbox.models import SandboxRecord
from sandbox.selectors import sandbox_endpoints
from tests.hostile_input.fuzzing import CI

API = "/sandbox/api"
JOBS = "/v1/vendors/csv-import/jobs"
CSV = b"Konto,Name,USt-IdNr.\n70001,Nordic Paper ApS,DK12345678\n70002,Fjord Office A/S,DK87654321\n"


def _judged(response: Any, method: str, path: str) -> str:
    verdict = response_verdict(
        method=method,
        path=path,
        status=response.status_code,
        content_type=response["Content-Type"],
        body=response.content,
    )
    return verdict.state


@pytest.fixture
def job(api_client: Client) -> str:
    """A new import job of the demo company, waiting for its file."""
    body = {"companyId": str(demo.COMPANY_ID), "originalFilename": "vendors.csv", "type": "vendors"}
    response = api_client.post(f"{API}{JOBS}", body, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["data"]["id"]


def _document(job_id: str) -> dict[str, Any]:
    return SandboxRecord.objects.get(resource=uploads.RESOURCE, record_id=job_id).document


def _upload_url(api_client: Client, job_id: str) -> str:
    response = api_client.post(f"{API}{JOBS}/{job_id}:get-presigned-url")
    assert response.status_code == 200, response.content
    return response.json()["data"]["presignedUrl"]


def _put(url: str, content: bytes) -> Any:
    parts = urlsplit(url)
    return Client(raise_request_exception=False).put(
        f"{parts.path}?{parts.query}", content, content_type="text/csv"
    )


def test_a_new_job_waits_for_its_file(job: str) -> None:
    assert _document(job)["status"] == "UPLOAD_INITIATED"


def test_the_upload_url_answer_matches_pleos_documents(api_client: Client, job: str) -> None:
    path = f"{JOBS}/{job}:get-presigned-url"

    response = api_client.post(f"{API}{path}")

    assert (response.status_code, _judged(response, "POST", path)) == (200, MATCHES)


def test_the_upload_url_is_the_sandboxs_own_and_names_the_job(api_client: Client, job: str) -> None:
    url = _upload_url(api_client, job)

    assert url.startswith(f"{sandbox_endpoints().auth_base_url}/uploads/{job}?signature=")


def test_an_upload_makes_the_job_uploaded_with_the_files_columns_and_rows(
    api_client: Client, job: str
) -> None:
    response = _put(_upload_url(api_client, job), CSV)

    document = _document(job)
    assert response.status_code == 200
    assert (document["status"], document["columnNames"], document["rowsTotal"]) == (
        "UPLOADED",
        ["Konto", "Name", "USt-IdNr."],
        2,
    )


def test_a_file_can_be_uploaded_again_before_the_run(api_client: Client, job: str) -> None:
    url = _upload_url(api_client, job)
    _put(url, CSV)

    _put(url, b"Konto,Name\n1,One\n")

    assert _document(job)["rowsTotal"] == 1


def test_a_run_after_the_upload_completes_the_job_with_every_row_skipped(
    api_client: Client, job: str
) -> None:
    _put(_upload_url(api_client, job), CSV)
    path = f"{JOBS}/{job}:run"

    response = api_client.post(f"{API}{path}")

    data = response.json()["data"]
    assert (response.status_code, _judged(response, "POST", path)) == (200, MATCHES)
    assert (data["status"], data["rowsSucceeded"], data["rowsSkipped"]) == ("COMPLETED", 0, 2)


def test_a_run_before_the_upload_is_the_documented_conflict(api_client: Client, job: str) -> None:
    path = f"{JOBS}/{job}:run"

    response = api_client.post(f"{API}{path}")

    assert (response.status_code, _judged(response, "POST", path)) == (409, MATCHES)
    assert response.json()["message"] == uploads.RUN_STATE.format(status="UPLOAD_INITIATED")


def test_an_upload_to_a_completed_job_is_a_conflict(api_client: Client, job: str) -> None:
    url = _upload_url(api_client, job)
    _put(url, CSV)
    api_client.post(f"{API}{JOBS}/{job}:run")

    response = _put(url, CSV)

    assert (response.status_code, response.json()["message"]) == (
        409,
        uploads.UPLOAD_STATE.format(status="COMPLETED"),
    )


def test_an_upload_url_with_a_changed_signature_is_refused(api_client: Client, job: str) -> None:
    url = _upload_url(api_client, job)

    response = _put(url[:-2] + ("AA" if not url.endswith("AA") else "BB"), CSV)

    assert (response.status_code, response.json()["message"]) == (403, uploads.UPLOAD_SIGNATURE_INVALID)
    assert _document(job)["status"] == "UPLOAD_INITIATED"


def test_an_upload_url_signed_for_another_job_is_refused(api_client: Client, job: str) -> None:
    other = api_client.post(
        f"{API}{JOBS}",
        {"companyId": str(demo.COMPANY_ID), "originalFilename": "other.csv", "type": "vendors"},
        content_type="application/json",
    ).json()["data"]["id"]
    signature = _upload_url(api_client, other).split("?", 1)[1]

    response = _put(f"/sandbox/uploads/{job}?{signature}", CSV)

    assert (response.status_code, response.json()["message"]) == (403, uploads.UPLOAD_SIGNATURE_INVALID)


def test_an_expired_upload_url_is_refused(
    api_client: Client, job: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _upload_url(api_client, job)
    monkeypatch.setattr(uploads, "UPLOAD_URL_SECONDS", -1)

    response = _put(url, CSV)

    assert (response.status_code, response.json()["message"]) == (403, uploads.UPLOAD_SIGNATURE_INVALID)


def test_an_upload_url_answers_put_only(api_client: Client, job: str) -> None:
    parts = urlsplit(_upload_url(api_client, job))

    response = Client().get(f"{parts.path}?{parts.query}")

    assert (response.status_code, response["Allow"], response.json()["message"]) == (
        405,
        "PUT",
        uploads.UPLOAD_METHOD,
    )


def test_a_file_over_the_limit_is_refused(api_client: Client, job: str) -> None:
    response = _put(_upload_url(api_client, job), b"a\n" * (uploads.UPLOAD_MAX_BYTES // 2 + 1))

    assert (response.status_code, response.json()["message"]) == (413, uploads.UPLOAD_TOO_LARGE)


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", uploads.UPLOAD_EMPTY), (b"\xff\xfe\x00", uploads.UPLOAD_NOT_UTF8)],
)
def test_a_file_that_is_not_csv_text_is_refused_saying_why(
    api_client: Client, job: str, content: bytes, reason: str
) -> None:
    response = _put(_upload_url(api_client, job), content)

    assert (response.status_code, response.json()["message"]) == (
        400,
        uploads.UPLOAD_NOT_CSV.format(reason=reason),
    )


def test_any_file_is_taken_whole_or_refused_leaving_the_job_as_it_was(api_client: Client, job: str) -> None:
    url = _upload_url(api_client, job)
    before = _document(job)

    @CI
    @given(
        content=st.one_of(
            st.binary(max_size=200),
            st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass")),
            st.lists(st.lists(st.text(max_size=8), max_size=4), max_size=5).map(
                lambda rows: "\n".join(",".join(row) for row in rows).encode("utf-8", "surrogatepass")
            ),
        )
    )
    def upload(content: bytes) -> None:
        SandboxRecord.objects.filter(resource=uploads.RESOURCE, record_id=job).update(document=before)

        response = _put(url, content)

        document = _document(job)
        assert response.status_code in (200, 400), response.content
        if response.status_code == 200:
            assert document["status"] == "UPLOADED"
            assert document["rowsTotal"] >= 0
        else:
            assert document == before
            assert response.json()["message"].startswith("The file must be UTF-8 CSV text")

    upload()
