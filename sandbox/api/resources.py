"""How the sandbox keeps each resource of the catalog: its key, its order, its parent, its filters.

A resource's records live in `SandboxRecord` rows (one JSON document each).
Filters map a documented query parameter or search-body field to what it
matches: a document field (`document.<field>`), the record's own ID (`@id`) or
its parent's (`@parent`), exactly (`eq`), against a list (`in`) or as
case-insensitive text (`text`, over the listed fields).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EQ = "eq"
IN = "in"
TEXT = "text"
RECORD_ID = "@id"
PARENT_ID = "@parent"
# A boolean parameter/field that, when false or absent, leaves archived records out.
INCLUDE_ARCHIVED = "include-archived"


@dataclass(frozen=True)
class Filter:
    target: str | tuple[str, ...]
    match: str = EQ


@dataclass(frozen=True)
class Parent:
    """The record a resource's records belong to."""

    # The path placeholder naming it, its resource, and the document field repeating its key.
    parameter: str
    resource: str
    field: str


_NO_PARENT = Parent("", "", "")


@dataclass(frozen=True)
class Resource:
    name: str
    # The document field holding the record's key.
    key_field: str = "id"
    # The document field lists are ordered by (then by key).
    sort_field: str = "id"
    parent: Parent = _NO_PARENT
    # Resources whose records are removed with one of this resource's records.
    children: tuple[str, ...] = ()
    filters: dict[str, Filter] = field(default_factory=dict)
    # Values a new record starts with where the request sets none (a job's first state).
    initial: dict[str, Any] = field(default_factory=dict)

    @property
    def shape(self) -> str:
        """The catalog's item shape of its documents (named like the resource)."""
        return self.name

    @property
    def parent_parameter(self) -> str:
        return self.parent.parameter

    @property
    def parent_resource(self) -> str:
        return self.parent.resource

    @property
    def parent_field(self) -> str:
        return self.parent.field


_ARCHIVED = {"archived": Filter("archived")}
_TAG_TEXT = Filter(("code", "name"), TEXT)

RESOURCES: dict[str, Resource] = {
    resource.name: resource
    for resource in (
        Resource(
            "employee",
            sort_field="code",
            filters={"email": Filter("email"), "code": Filter("code")},
        ),
        Resource(
            "company",
            sort_field="name",
            filters={"organization_id": Filter("organizationId")},
        ),
        Resource(
            "account",
            sort_field="code",
            filters={
                **_ARCHIVED,
                "code": Filter("code"),
                "codes": Filter("code", IN),
                "externalId": Filter("externalId"),
                "ids": Filter(RECORD_ID, IN),
                "name": Filter(("name",), TEXT),
            },
        ),
        Resource(
            "export-job",
            sort_field="createdAt",
            children=("export-job-item", "export-item"),
            filters={"statuses": Filter("status", IN)},
        ),
        Resource(
            "export-job-item",
            key_field="accountingEntryId",
            sort_field="accountingEntryId",
            parent=Parent("jobId", "export-job", "exportJobId"),
            filters={
                "status": Filter("status"),
                "accounting_entry_id": Filter(RECORD_ID),
                "accountingEntryIds": Filter(RECORD_ID, IN),
            },
        ),
        Resource(
            "export-item",
            key_field="accountingEntryId",
            sort_field="date",
            filters={"job_id": Filter(PARENT_ID)},
        ),
        Resource(
            "tag-group",
            sort_field="code",
            children=("tag", "tag-group-dimension"),
            filters={
                "include_archived": Filter("archived", INCLUDE_ARCHIVED),
                "tag_group_ids": Filter(RECORD_ID, IN),
            },
        ),
        Resource(
            "tag-group-dimension",
            sort_field="code",
            parent=Parent("groupId", "tag-group", "groupId"),
        ),
        Resource(
            "tag",
            sort_field="code",
            parent=Parent("groupId", "tag-group", "groupId"),
            children=("tag-dimension-value",),
            filters={
                "include_archived": Filter("archived", INCLUDE_ARCHIVED),
                "includeArchived": Filter("archived", INCLUDE_ARCHIVED),
                "archived": Filter("archived"),
                "text_search": _TAG_TEXT,
                "textSearch": _TAG_TEXT,
                "tag_group_id": Filter(PARENT_ID, IN),
                "tagGroupIds": Filter(PARENT_ID, IN),
                "tagIds": Filter(RECORD_ID, IN),
            },
        ),
        Resource(
            "tag-dimension-value",
            key_field="dimensionId",
            sort_field="dimensionId",
            parent=Parent("tagId", "tag", "tagId"),
        ),
        Resource(
            "tax-code",
            sort_field="code",
            filters={
                **_ARCHIVED,
                "code": Filter("code"),
                "taxCodeIds": Filter(RECORD_ID, IN),
                "type": Filter("type"),
            },
        ),
        Resource(
            "vendor",
            sort_field="name",
            filters={
                "accountingSystems": Filter("accountingSystem", IN),
                "codes": Filter("code", IN),
                "countries": Filter("country", IN),
                "externalIds": Filter("externalId", IN),
                "ids": Filter(RECORD_ID, IN),
                "name": Filter(("name",), TEXT),
                "states": Filter("state", IN),
                "taxRegistrationNumbers": Filter("taxRegistrationNumber", IN),
            },
        ),
        Resource(
            "vendor-import",
            sort_field="createdAt",
            children=("vendor-import-error",),
            initial={"status": "UPLOAD_INITIATED"},
            filters={
                "ids": Filter(RECORD_ID, IN),
                "statuses": Filter("status", IN),
                "types": Filter("type", IN),
            },
        ),
        Resource(
            "vendor-import-error",
            sort_field="rowNumber",
            parent=Parent("jobId", "vendor-import", "csvImportJobId"),
        ),
    )
}
