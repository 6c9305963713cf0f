"""The exported Postman collection of the Example Client, run by newman against the live sandbox.

The token comes through the real flow: sandbox credentials issued for the
registration, the authorization-code flow with PKCE through the consent page, the
code exchanged at the token endpoint. newman is the pinned one of package-lock.json
(`npm ci`, which `make test` runs); without it this test fails.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from requests_oauthlib import OAuth2Session

from registrations.exports import EXPORT_FORMATS
from registrations.exports.postman import POSTMAN_WEB_CALLBACK, READ_ONLY_FOLDER
from sandbox.credentials import credential_issue_sandbox

from .conftest import TIMEOUT, consent

pytestmark = pytest.mark.django_db(transaction=True)

REPOSITORY = Path(__file__).resolve().parents[2]
NEWMAN = REPOSITORY / "node_modules" / ".bin" / "newman"
NEWMAN_TIMEOUT = 180  # seconds for the whole run
REQUEST_TIMEOUT_MS = 10_000


def _token_through_consent(sandbox, user_session, registration) -> str:
    """Sandbox credentials for the registration, then authorization code + PKCE (S256) as
    Postman does it: the code arrives on Postman's callback, which is not followed here."""
    credential, secret = credential_issue_sandbox(registration=registration)
    session = OAuth2Session(
        credential.client_id,
        redirect_uri=POSTMAN_WEB_CALLBACK,
        scope=registration.scope.split(),
        pkce="S256",
    )
    authorization_url, _state = session.authorization_url(sandbox.authorize_url)
    token = session.fetch_token(
        sandbox.token_url,
        authorization_response=consent(user_session, authorization_url),
        client_secret=secret,
        timeout=TIMEOUT,
    )
    return token["access_token"]


def _export(registration, fmt: str, directory: Path) -> tuple[Path, dict[str, Any]]:
    text = EXPORT_FORMATS[fmt].render(registration)
    path = directory / EXPORT_FORMATS[fmt].suffix
    path.write_text(text, encoding="utf-8")
    return path, json.loads(text)


def _newman(collection: Path, environment: Path, report: Path, access_token: str) -> dict[str, Any]:
    assert NEWMAN.exists(), f"newman is missing at {NEWMAN}: run `npm ci` in {REPOSITORY} (make test does)."
    # The arguments are this test's own: paths it wrote and a token it obtained.
    subprocess.run(  # noqa: S603
        [
            str(NEWMAN),
            "run",
            str(collection),
            "--environment",
            str(environment),
            "--folder",
            READ_ONLY_FOLDER,
            "--env-var",
            f"accessToken={access_token}",
            "--timeout-request",
            str(REQUEST_TIMEOUT_MS),
            "--reporters",
            "cli,json",
            "--reporter-json-export",
            str(report),
            "--disable-unicode",
            "--color",
            "off",
        ],
        cwd=REPOSITORY,
        timeout=NEWMAN_TIMEOUT,
        check=False,
    )
    assert report.exists(), "newman wrote no report"
    return json.loads(report.read_text(encoding="utf-8"))["run"]


def test_newman_runs_the_read_only_checks_of_the_example_client_without_a_failure(
    sandbox, user_session, example_registration, tmp_path
):
    access_token = _token_through_consent(sandbox, user_session, example_registration)
    collection_path, collection = _export(example_registration, "postman-collection", tmp_path)
    environment_path, _ = _export(example_registration, "postman-environment", tmp_path)
    folder = next(item for item in collection["item"] if item["name"] == READ_ONLY_FOLDER)

    run = _newman(collection_path, environment_path, tmp_path / "newman-report.json", access_token)

    failures = [(failure["source"]["name"], failure["error"]["message"]) for failure in run["failures"]]
    assert failures == []
    stats = run["stats"]
    assert stats["requests"]["total"] == len(folder["item"]) > 0
    assert (stats["requests"]["failed"], stats["assertions"]["failed"]) == (0, 0)
    assert stats["assertions"]["total"] >= stats["requests"]["total"]
