"""What each catalog operation does on a sandbox company's records: the dispatch.

Most operations are one of six kinds the catalog records (list, search, get,
create, update, delete), answered by the generic handlers in `kinds`; the rest
have a handler of their own in `actions.ACTIONS`, keyed by operation.
"""

from __future__ import annotations

from django.http import HttpResponse

from .actions import ACTIONS
from .calls import Call, check_company
from .kinds import KINDS


def handle(call: Call) -> HttpResponse:
    check_company(call)
    handler = ACTIONS.get(call.operation.key) or KINDS[call.operation.kind]
    return handler(call)
