"""Groups created by registrations' 0003 migration."""

import pytest
from django.contrib.auth.models import Group

from tests.factories import DEVELOPERS, PARTNER_MANAGERS, make_group_member

pytestmark = pytest.mark.django_db

REGISTRATIONS_MANAGER_PERMISSIONS = {
    "add_registration",
    "change_registration",
    "view_registration",
    "add_scope",
    "change_scope",
    "view_scope",
    "add_credential",
    "change_credential",
    "view_credential",
    "view_secretdisclosure",
    "reveal_credential_secret",
    "view_linkcheck",
}
REGISTRATIONS_DEVELOPER_PERMISSIONS = {"view_registration", "view_scope", "view_credential", "view_linkcheck"}


def registrations_codenames(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    # Other apps add their own permissions to these groups; only ours are checked here.
    return set(
        group.permissions.filter(content_type__app_label="registrations").values_list("codename", flat=True)
    )


def test_partner_managers_get_exactly_the_registrations_permissions():
    assert registrations_codenames(PARTNER_MANAGERS) == REGISTRATIONS_MANAGER_PERMISSIONS


def test_developers_get_view_permissions_only():
    assert registrations_codenames(DEVELOPERS) == REGISTRATIONS_DEVELOPER_PERMISSIONS


def test_a_partner_manager_may_reveal_secrets():
    assert make_group_member(PARTNER_MANAGERS).has_perm("registrations.reveal_credential_secret")


def test_a_developer_may_not_reveal_secrets():
    assert not make_group_member(DEVELOPERS).has_perm("registrations.reveal_credential_secret")


def test_no_group_may_delete_credentials_or_audit_records():
    deletable = Group.objects.filter(
        permissions__codename__in=["delete_credential", "delete_secretdisclosure", "change_secretdisclosure"]
    )
    assert not deletable.exists()
