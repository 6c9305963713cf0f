"""`{% work_queue %}`: the partner managers' work queue (portal/work_queue.py) on the admin index."""

from __future__ import annotations

from typing import Any

from django import template

from portal.work_queue import work_queue as queue_for

register = template.Library()


@register.inclusion_tag("portal/work_queue.html", takes_context=True)
def work_queue(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"items": queue_for(user) if user is not None else []}
