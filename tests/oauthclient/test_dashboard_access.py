"""Who may use the dashboard, and whose connections they see."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from tests.factories import DEVELOPERS, PARTNER_MANAGERS, make_group_member, make_user

from .dashboard import make_developer


def test_anonymous_users_go_to_the_admin_login(client, db):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=/dashboard/")


def test_users_outside_the_groups_are_refused(client, db):
    client.force_login(make_user(is_staff=True))
    assert client.get("/dashboard/").status_code == 403


def test_developers_may_use_it(dev_client):
    assert dev_client.get("/dashboard/").status_code == 200


def test_partner_managers_may_use_it(client, db):
    client.force_login(make_group_member(PARTNER_MANAGERS))
    assert client.get("/dashboard/").status_code == 200


@pytest.mark.parametrize("group_name", [DEVELOPERS, PARTNER_MANAGERS])
def test_the_migration_grants_the_dashboard_permission_to_the_group(db, group_name):
    assert Group.objects.get(name=group_name).permissions.filter(codename="use_dashboard").exists()


def test_the_permission_alone_lets_a_user_in(client, db):
    user = make_user(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="use_dashboard"))
    client.force_login(user)
    assert client.get("/dashboard/").status_code == 200


def test_a_group_without_the_permission_does_not_let_its_members_in(client, db):
    user = make_group_member(DEVELOPERS)
    Group.objects.get(name=DEVELOPERS).permissions.remove(Permission.objects.get(codename="use_dashboard"))
    client.force_login(user)
    assert client.get("/dashboard/").status_code == 403


def test_superusers_may_use_it(client, db):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    assert client.get("/dashboard/").status_code == 200


def test_the_dashboard_lists_active_credentials(dev_client, credential):
    assert credential.client_id.encode() in dev_client.get("/dashboard/").content


def test_someone_elses_connection_is_not_found(client, connected):
    client.force_login(make_developer())
    assert client.get(f"/dashboard/connections/{connected.pk}/").status_code == 404


def test_someone_elses_connection_cannot_be_used(client, connected, pleo_via_fake):
    client.force_login(make_developer())
    response = client.post(f"/dashboard/connections/{connected.pk}/test-call/", {"target": "introspect"})
    assert response.status_code == 404
    assert pleo_via_fake.seen == []


def test_posts_need_the_csrf_token(connected, developer):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(developer)
    response = browser.post(f"/dashboard/connections/{connected.pk}/refresh/")
    assert response.status_code == 403


def test_only_the_users_own_connections_are_listed(client, connected):
    client.force_login(make_developer())
    assert (
        connected.credential.registration.client_name.encode()
        not in client.get("/dashboard/").content.split(b"Your connections")[1]
    )
