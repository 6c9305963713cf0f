"""Pleo's cursor pagination over `SandboxRecord` rows, read by keyset.

A page is `limit` (1 to 100, default 20) records after a cursor, before one, or at
an offset. Cursors are base32 (Pleo's documented alphabet) of the last or first
record's (sort key, key), so reading page 500 costs what page 1 costs: an index
range, never a scan of the rows before it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import IntegerField, Q, QuerySet, Subquery

from ..models import SandboxRecord
from .errors import ApiError

DEFAULT_PAGE_SIZE = 20
# `total` is counted up to this many records and left out above (Pleo documents it
# as optional): counting every row would make a page's cost grow with the list.
TOTAL_COUNTED_UP_TO = 1000
MAX_PAGE_SIZE = 100
BAD_LIMIT = "limit must be an integer from 1 to {max}."
BAD_OFFSET = "offset must be a non-negative integer."
BAD_CURSOR = "before/after must be a cursor from a previous page."
PAGING_CONFLICT = "Use only one of offset, before and after."
# ASCII digits only (str.isdigit() accepts ², which int() refuses), and few enough for int().
_COUNT = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True)
class PageRequest:
    limit: int
    offset: int = 0
    after: tuple[str, str] | None = None
    before: tuple[str, str] | None = None


def cursor_encode(record: SandboxRecord) -> str:
    return base64.b32encode(json.dumps([record.sort_key, record.record_id]).encode()).decode()


def cursor_decode(cursor: str) -> tuple[str, str]:
    try:
        sort_key, record_id = json.loads(base64.b32decode(cursor.encode()))
    except (ValueError, TypeError, binascii.Error):
        raise ApiError(400, BAD_CURSOR) from None
    if not isinstance(sort_key, str) or not isinstance(record_id, str):
        raise ApiError(400, BAD_CURSOR)
    return sort_key, record_id


def page_request(params: Mapping[str, str]) -> PageRequest:
    raw_limit = params.get("limit", str(DEFAULT_PAGE_SIZE))
    if not _COUNT.fullmatch(raw_limit) or not 1 <= int(raw_limit) <= MAX_PAGE_SIZE:
        raise ApiError(400, BAD_LIMIT.format(max=MAX_PAGE_SIZE))
    limit = int(raw_limit)
    if sum(key in params for key in ("offset", "after", "before")) > 1:
        raise ApiError(400, PAGING_CONFLICT)
    if "after" in params:
        return PageRequest(limit=limit, after=cursor_decode(params["after"]))
    if "before" in params:
        return PageRequest(limit=limit, before=cursor_decode(params["before"]))
    raw_offset = params.get("offset", "0")
    if not _COUNT.fullmatch(raw_offset):
        raise ApiError(400, BAD_OFFSET)
    return PageRequest(limit=limit, offset=int(raw_offset))


class _BoundedCount(Subquery):
    """The number of rows of a (sliced) queryset, as a scalar subquery: the page's total,
    read with the page instead of in a query of its own."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) counted)"
    output_field = IntegerField()


def _beyond(sort_key: str, record_id: str, direction: str) -> Q:
    """(sort_key, record_id) past the cursor's; the first condition lets the index seek to it."""
    return Q(**{f"sort_key__{direction}e": sort_key}) & (
        Q(**{f"sort_key__{direction}": sort_key}) | Q(**{f"record_id__{direction}": record_id})
    )


def page_of(
    records: QuerySet[SandboxRecord],
    request: PageRequest,
    *,
    sort_field: str,
    parameters: dict[str, list[str]],
) -> tuple[list[SandboxRecord], dict[str, Any]]:
    """One page of `records` and Pleo's `pagination` object for it: one bounded query (two for
    an empty page after the first, whose total is counted apart)."""
    fetch = request.limit + 1
    records_with_total: QuerySet[SandboxRecord] = records.annotate(
        page_total=_BoundedCount(records.order_by().values("pk")[: TOTAL_COUNTED_UP_TO + 1])
    )
    if request.before is not None:
        newest_first = records_with_total.filter(_beyond(*request.before, "lt")).order_by(
            "-sort_key", "-record_id"
        )
        rows = list(newest_first[:fetch])
        has_previous, has_next = len(rows) > request.limit, True
        rows = rows[: request.limit][::-1]
    else:
        ordered = records_with_total.order_by("sort_key", "record_id")
        if request.after is not None:
            ordered = ordered.filter(_beyond(*request.after, "gt"))
        rows = list(ordered[request.offset : request.offset + fetch])
        has_previous, has_next = request.after is not None or request.offset > 0, len(rows) > request.limit
        rows = rows[: request.limit]
    current: dict[str, Any] = {
        "parameters": parameters,
        "limit": request.limit,
        "sortingKeys": [sort_field],
        "sortingOrder": ["ASC"],
    }
    if request.after is None and request.before is None:
        current["offset"] = request.offset
    pagination: dict[str, Any] = {
        "currentRequestPagination": current,
        "hasPreviousPage": has_previous,
        "hasNextPage": has_next,
    }
    first_page = request.after is None and request.before is None and request.offset == 0
    if rows:
        total = getattr(rows[0], "page_total")  # noqa: B009 - an annotation the model does not declare
    elif first_page:
        total = 0
    else:
        total = records.order_by()[: TOTAL_COUNTED_UP_TO + 1].count()
    if total <= TOTAL_COUNTED_UP_TO:
        pagination["total"] = total
    if rows:
        pagination["startCursor"] = cursor_encode(rows[0])
        pagination["endCursor"] = cursor_encode(rows[-1])
    return rows, pagination
