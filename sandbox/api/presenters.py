"""How answers are shown: the operation's documented success envelope, and the items
some operations show in another shape than the stored one (aggregated tags and tag
groups, tag groups with their tag counts)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Count
from django.http import HttpResponse, JsonResponse

from core.pleo_api import BODY_DATA, BODY_DATA_LIST, BODY_EMPTY, BODY_PAGE, Operation

from ..models import SandboxRecord
from . import records as store
from .calls import TRUE_VALUES, Call
from .documented import check_written_answer
from .resources import RESOURCES


def answer(operation: Operation, items: Any = None, pagination: dict[str, Any] | None = None) -> HttpResponse:
    """The operation's documented success body around `items`.

    A write's answer is held to the answer Pleo documents first (`documented`)."""
    if operation.body == BODY_EMPTY:
        # No content, but the API's media type all the same: Pleo documents some of
        # these answers only as a JSON `default` response.
        return HttpResponse(status=operation.status, content_type="application/json")
    if operation.body == BODY_PAGE:
        body = {"data": items, "pagination": pagination}
    elif operation.body in (BODY_DATA, BODY_DATA_LIST):
        body = {"data": items}
    else:
        body = items
    if operation.writes:
        check_written_answer(operation, body)
    return JsonResponse(body, status=operation.status, safe=False)


def _dimensions_by_group(call: Call, group_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in (
        store.records_of(call.company, RESOURCES["tag-group-dimension"])
        .filter(parent_id__in=group_ids)
        .order_by("sort_key")
    ):
        grouped.setdefault(row.parent_id, []).append(row.document)
    return grouped


def _dimension_fields(dimension: dict[str, Any]) -> dict[str, Any]:
    return {name: dimension[name] for name in ("id", "code", "name", "displayOrder", "visible")}


def aggregated_groups(call: Call, rows: list[SandboxRecord]) -> list[Any]:
    dimensions = _dimensions_by_group(call, [row.record_id for row in rows])
    return [
        {
            **{
                key: value for key, value in row.document.items() if key not in ("metadata", "totalTagsCount")
            },
            "dimensions": [
                {**_dimension_fields(d), "createdAt": d["createdAt"], "updatedAt": d["updatedAt"]}
                for d in dimensions.get(row.record_id, [])
            ],
        }
        for row in rows
    ]


def aggregated_tags(call: Call, rows: list[SandboxRecord]) -> list[Any]:
    group_ids = sorted({row.parent_id for row in rows})
    groups = {
        group.record_id: group.document
        for group in store.records_of(call.company, RESOURCES["tag-group"]).filter(record_id__in=group_ids)
    }
    dimensions = {d["id"]: d for ds in _dimensions_by_group(call, group_ids).values() for d in ds}
    values: dict[str, list[dict[str, Any]]] = {}
    for value in store.records_of(call.company, RESOURCES["tag-dimension-value"]).filter(
        parent_id__in=[row.record_id for row in rows]
    ):
        dimension = dimensions.get(value.record_id)
        if dimension is not None:
            values.setdefault(value.parent_id, []).append(
                {**_dimension_fields(dimension), "value": value.document["value"]}
            )
    result = []
    for row in rows:
        group = groups.get(row.parent_id, {})
        result.append(
            {
                **{key: value for key, value in row.document.items() if key != "groupId"},
                "companyId": str(call.company.pk),
                "group": {"id": row.parent_id, "code": group.get("code", ""), "name": group.get("name", "")},
                "dimensions": values.get(row.record_id, []),
            }
        )
    return result


def groups_with_counts(call: Call, rows: list[SandboxRecord]) -> list[Any]:
    if call.query.get("include_tags_count") not in TRUE_VALUES:
        return [row.document for row in rows]
    counts = dict(
        store.records_of(call.company, RESOURCES["tag"])
        .filter(parent_id__in=[row.record_id for row in rows])
        .values_list("parent_id")
        .annotate(count=Count("pk"))
        .values_list("parent_id", "count")
    )
    return [{**row.document, "totalTagsCount": counts.get(row.record_id, 0)} for row in rows]


PRESENTERS: dict[str, Callable[[Call, list[SandboxRecord]], list[Any]]] = {
    "tags.search-aggregated": aggregated_tags,
    "tag-groups.list-aggregated": aggregated_groups,
    "tag-groups.list": groups_with_counts,
}


def render(call: Call, rows: list[SandboxRecord]) -> list[Any]:
    """The records as the operation shows them: its presenter's shape, else the stored documents."""
    presenter = PRESENTERS.get(call.operation.key)
    return presenter(call, rows) if presenter else [row.document for row in rows]
