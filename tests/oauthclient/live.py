"""Helpers for driving the dashboard over real HTTP on the live server, against the sandbox."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import requests

from registrations.models import Credential
from sandbox.credentials import credential_issue_sandbox
from tests.factories import DEVELOPERS, dashboard_group, make_registration, make_user
from tests.html_forms import form_fields

TIMEOUT = 10
PASSWORD = "pw-for-tests-only"


@dataclass
class Browser:
    """A developer's browser: a requests.Session logged in through the admin login form."""

    base_url: str
    session: requests.Session

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        url = path if path.startswith("http") else self.base_url + path
        return self.session.get(url, timeout=TIMEOUT, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> requests.Response:
        url = path if path.startswith("http") else self.base_url + path
        data = {**(data or {}), "csrfmiddlewaretoken": self.session.cookies["csrftoken"]}
        return self.session.post(url, data=data, timeout=TIMEOUT, **kwargs)

    def consent(self, consent_page: requests.Response) -> requests.Response:
        """Answer the sandbox's consent page with "Allow" (its form posts to its own URL)."""
        assert consent_page.status_code == 200, consent_page.text[:500]
        fields = form_fields(consent_page.text)
        fields["allow"] = "Authorize"
        return self.session.post(consent_page.url, data=fields, timeout=TIMEOUT, allow_redirects=False)

    def connect(self, credential: Credential) -> requests.Response:
        """Connect through the dashboard; returns the connection page."""
        consent_page = self.post("/dashboard/connect/", {"credential": credential.pk})
        answer = self.consent(consent_page)
        assert answer.status_code == 302, (
            answer.status_code,
            answer.headers.get("Location"),
            answer.text[:500],
        )
        return self.get(answer.headers["Location"])


def log_in(base_url: str, username: str, *, session: requests.Session | None = None) -> Browser:
    session = session or requests.Session()
    login_url = base_url + "/admin/login/"
    session.get(login_url, timeout=TIMEOUT).raise_for_status()
    response = session.post(
        login_url,
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "next": "/dashboard/",
        },
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 302, f"admin login failed: {response.status_code} {response.text[:300]}"
    return Browser(base_url=base_url, session=session)


def make_live_developer() -> Any:
    # Staff: the admin login form admits staff only.
    user = make_user(password=PASSWORD, is_staff=True)
    user.groups.add(dashboard_group(DEVELOPERS))
    return user


def issue_sandbox_credential(*, issued_by: Any) -> Credential:
    credential, _secret = credential_issue_sandbox(registration=make_registration(), issued_by=issued_by)
    return credential


def connection_id(url: str) -> int:
    match = re.search(r"/dashboard/connections/(\d+)/", url)
    assert match, url
    return int(match.group(1))
