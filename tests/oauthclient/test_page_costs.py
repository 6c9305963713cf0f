"""What the dashboard's pages read: the permission check and the credentials, once each."""

from __future__ import annotations

from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from oauthclient import selectors

from .dashboard import make_credential


def _queries_reading(table: str, response_of) -> int:
    with CaptureQueriesContext(db) as context:
        assert response_of().status_code == 200
    return sum(1 for query in context.captured_queries if f'FROM "{table}"' in query["sql"])


def test_the_dashboard_permission_is_checked_in_one_query(developer):
    with CaptureQueriesContext(db) as context:
        assert selectors.user_may_use_dashboard(developer)
    assert len(context.captured_queries) == 1


def test_the_dashboard_reads_the_credentials_once(dev_client, credential):
    make_credential()  # a second registration's

    assert _queries_reading("registrations_credential", lambda: dev_client.get("/dashboard/")) == 1


def test_the_dashboard_offers_every_active_credential(dev_client, credential):
    second = make_credential()
    page = dev_client.get("/dashboard/").content.decode()

    assert f'<option value="{credential.pk}"' in page
    assert f'<option value="{second.pk}"' in page
    assert f'data-credential="{second.pk}"' in page


class _AllowEveryone:
    """An authentication backend that grants every permission."""

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user, perm, obj=None):
        return True


def test_other_authentication_backends_are_asked_through_has_perm(settings, db):
    from django.contrib.auth import get_user_model

    settings.AUTHENTICATION_BACKENDS = [
        selectors.MODEL_BACKEND,
        f"{__name__}._AllowEveryone",
    ]
    outsider = get_user_model().objects.create_user("outsider-with-backend")

    assert selectors.user_may_use_dashboard(outsider)
