"""What the sandbox API does with a company's records: writes stick, filters filter, errors are documented."""

from __future__ import annotations

import uuid

import pytest

from sandbox import demo
from sandbox.api import demo_data
from sandbox.api.calls import BAD_BODY
from sandbox.api.demo_data import company_seed, demo_company
from sandbox.api.paging import BAD_CURSOR
from sandbox.models import SandboxCompany, SandboxRecord

from .catalog_calls import ALL_SCOPES, records
from .conftest import TIMEOUT, connect, register_client


@pytest.fixture
def api(sandbox, user_session):
    session = connect(sandbox, user_session, register_client(scope=" ".join(ALL_SCOPES)), scope=ALL_SCOPES)

    def send(method: str, path: str, **kwargs):
        return session.request(method, sandbox.api_url + path, timeout=TIMEOUT, **kwargs)

    return send


@pytest.fixture
def company():
    return demo_company()


def account_body(company, **changes):
    return {
        "companyId": str(company.pk),
        "externalId": "ACC-9100",
        "name": "Sandbox test",
        "archived": False,
    } | changes


def test_a_created_account_can_be_fetched_changed_searched_and_deleted(api, company):
    created = api("POST", "/v1/chart-of-accounts", json=account_body(company, code="9100")).json()["data"]
    path = f"/v1/chart-of-accounts/{created['id']}"

    fetched = api("GET", path).json()["data"]
    changed = api("PUT", path, json={"name": "Renamed", "archived": False, "code": "9100"}).json()["data"]
    found = api("POST", "/v1/chart-of-accounts:search", json=_account_search(company, codes=["9100"])).json()
    deleted = api("DELETE", path)

    assert fetched == created
    assert changed["name"] == "Renamed"
    assert [item["id"] for item in found["data"]] == [created["id"]]
    assert deleted.status_code == 204
    assert api("GET", path).status_code == 404


def _account_search(company, **filters):
    return {
        "companyId": str(company.pk),
        "excludeIfAssignedToCategory": False,
        "excludeIfAssignedToContraAccount": False,
    } | filters


def test_both_account_api_versions_share_the_chart_of_accounts(api, company):
    created = api("POST", "/v1-beta/accounts", json=account_body(company)).json()["data"]

    assert api("GET", f"/v1/chart-of-accounts/{created['id']}").status_code == 200


def test_an_unknown_id_is_404_with_a_json_error(api, company):
    response = api("GET", f"/v1/vendors/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.json()["type"] == "not_found"


def test_a_body_that_misses_a_required_field_is_400_naming_it(api, company):
    response = api("POST", "/v1/vendors", json={"companyId": str(company.pk), "name": "No currency"})

    assert response.status_code == 400
    assert response.json()["message"] == BAD_BODY
    assert "body.defaultCurrency: required field missing" in response.json()["errors"]


def test_a_body_that_is_not_json_is_400(api, company):
    response = api("POST", "/v1/vendors", data="name=x", headers={"Content-Type": "text/plain"})

    assert response.status_code == 400


def test_a_refused_write_changes_nothing(api, company):
    before = SandboxRecord.objects.filter(company=company).count()

    api("POST", "/v1/vendors", json={"companyId": str(company.pk), "name": 7})

    assert SandboxRecord.objects.filter(company=company).count() == before


def test_another_companys_id_is_forbidden(api, company):
    response = api("POST", "/v1/vendors:search", params={"company_id": str(uuid.uuid4())}, json={})

    assert response.status_code == 403
    assert response.json()["type"] == "forbidden"


def test_a_missing_required_query_parameter_is_400(api, company):
    response = api("POST", "/v1/vendors:search", json={})

    assert response.status_code == 400


def test_employee_search_filters_by_email(api, company):
    wanted = demo.employees()[5]

    body = api("GET", "/v2/employees", params={"email": wanted.email}).json()

    assert [item["code"] for item in body["data"]] == [wanted.code]
    assert body["pagination"]["currentRequestPagination"]["parameters"] == {"email": [wanted.email]}


def test_vendor_search_filters_by_state(api, company):
    vendor = records(company, "vendor").first()
    api("POST", f"/v1/vendors/{vendor.record_id}:archive")

    body = api(
        "POST", "/v1/vendors:search", params={"company_id": str(company.pk)}, json={"states": ["ARCHIVED"]}
    ).json()

    assert [item["id"] for item in body["data"]] == [vendor.record_id]


def test_archived_tags_are_left_out_unless_asked_for(api, company):
    tag = records(company, "tag").first()
    api(
        "POST",
        "/v0/tags/archive",
        json={"companyId": str(company.pk), "tagIds": [tag.record_id], "archived": True},
    )

    without = api("GET", f"/v0/tag-groups/{tag.parent_id}/tags").json()["data"]
    with_archived = api(
        "GET", f"/v0/tag-groups/{tag.parent_id}/tags", params={"include_archived": "true"}
    ).json()["data"]

    assert tag.record_id not in [item["id"] for item in without]
    assert tag.record_id in [item["id"] for item in with_archived]


def test_deleting_a_tag_group_deletes_its_tags_and_their_values(api, company):
    group = records(company, "tag-group").first()
    tags = list(records(company, "tag", parent_id=group.record_id).values_list("record_id", flat=True))

    api("DELETE", f"/v0/tag-groups/{group.record_id}")

    assert not records(company, "tag", parent_id=group.record_id).exists()
    assert not records(company, "tag-dimension-value", parent_id__in=tags).exists()


def test_starting_an_export_job_creates_its_items(api, company):
    entries = [str(uuid.uuid4()), str(uuid.uuid4())]

    job = api(
        "POST", "/v3/export-jobs", json={"companyId": str(company.pk), "accountingEntryIds": entries}
    ).json()["data"]
    items = api("GET", f"/v3/export-jobs/{job['id']}/items").json()["data"]

    assert job["numberOfItems"] == 2
    assert sorted(item["accountingEntryId"] for item in items) == sorted(entries)


def test_a_job_event_moves_the_job_on(api, company):
    job = records(company, "export-job").get(document__status="pending")

    answer = api("POST", "/v3/export-job-events", json={"jobId": job.record_id, "event": "started"})

    assert answer.status_code == 202
    assert api("GET", f"/v3/export-jobs/{job.record_id}").json()["data"]["status"] == "in_progress"


def test_tax_is_worked_out_from_the_tax_codes_rate(api, company):
    vat = records(company, "tax-code").get(document__code="VAT25")
    amounts = {vat.record_id: [{"id": "line", "amount": {"currency": "DKK", "minors": 12500}}]}

    body = api("POST", "/v0/tax-codes:calculate-tax-amounts", json={"amountsByTaxCodeId": amounts}).json()

    breakdown = body["data"]["taxes"][vat.record_id][0]["amountTaxBreakdown"]
    assert (breakdown["gross"]["minors"], breakdown["net"]["minors"], breakdown["tax"]["minors"]) == (
        12500,
        10000,
        2500,
    )


def test_a_second_value_for_the_same_tag_dimension_is_a_conflict(api, company):
    value = records(company, "tag-dimension-value").first()

    response = api(
        "POST", f"/v0/tags/{value.parent_id}/dimensions/{value.record_id}", json={"value": "again"}
    )

    assert response.status_code == 409


# Pagination ----------------------------------------------------------------------


def test_cursors_walk_forward_and_back(api, company):
    first = api("GET", "/v2/employees", params={"limit": 5}).json()
    second = api(
        "GET", "/v2/employees", params={"limit": 5, "after": first["pagination"]["endCursor"]}
    ).json()
    back = api(
        "GET", "/v2/employees", params={"limit": 5, "before": second["pagination"]["startCursor"]}
    ).json()

    assert back["data"] == first["data"]
    assert second["pagination"]["hasPreviousPage"] is True
    assert back["pagination"]["hasPreviousPage"] is False


def test_cursors_use_pleos_alphabet(api, company):
    cursor = api("GET", "/v2/employees", params={"limit": 5}).json()["pagination"]["endCursor"]

    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567=")


def test_a_made_up_cursor_is_400(api, company):
    response = api("GET", "/v2/employees", params={"after": "NOTACURSOR"})

    assert response.status_code == 400
    assert response.json()["message"] == BAD_CURSOR


# Which company a token acts for, and the demo data --------------------------------


def test_a_member_of_a_company_sees_only_its_records(api, django_user_model):
    scratch = SandboxCompany.objects.create(id=uuid.uuid4(), name="Empty ApS")
    scratch.members.add(django_user_model.objects.get(username="developer"))

    body = api("GET", "/v2/employees").json()

    assert body["data"] == []


def test_introspection_names_the_companys_subject_in_pleos_shape(api, company):
    body = api("GET", "/v1/introspect").json()

    assert body["data"]["subjectURN"] == f"urn:pleo:company:{demo.COMPANY_ID}"
    assert body["data"]["authMethod"] == "OAUTH2"


def test_seeding_again_adds_nothing(db):
    company = demo_company()

    assert company_seed(company) == 0


def test_seeding_puts_back_only_what_is_missing(db):
    company = demo_company()
    records(company, "vendor").first().delete()

    assert company_seed(company) == 1


@pytest.mark.parametrize(
    "resource",
    [
        "company",
        "employee",
        "account",
        "export-job",
        "export-job-item",
        "export-item",
        "tag-group",
        "tag",
        "tax-code",
        "vendor",
    ],
)
def test_demo_data_covers_every_resource(db, resource):
    assert records(demo_data.demo_company(), resource).exists()


def test_total_is_left_out_of_lists_longer_than_it_counts(api, django_user_model):
    from sandbox.api.paging import TOTAL_COUNTED_UP_TO
    from sandbox.api.records import record_build
    from sandbox.api.resources import RESOURCES

    big = SandboxCompany.objects.create(id=uuid.uuid4(), name="Big ApS")
    big.members.add(django_user_model.objects.get(username="developer"))
    SandboxRecord.objects.bulk_create(
        record_build(
            company=big, resource=RESOURCES["tax-code"], document={"id": str(n), "code": f"T{n:05d}"}
        )
        for n in range(TOTAL_COUNTED_UP_TO + 1)
    )

    body = api("POST", "/v0/tax-codes:search", json={}).json()

    assert "total" not in body["pagination"]
    assert body["pagination"]["hasNextPage"] is True
