"""What of a staging registration carries over to its production counterpart.

Every field of the field table (registrations.fields) but the environment.

Judged by the validators, value by value, with production's rules: a redirect
URI, a scope or a URL that production refuses is left out (with the validator's
message saying why); everything else is copied as it is. No rule lives here.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from . import validators
from .fields import FIELDS, Kind
from .models import Environment, Registration

PRODUCTION = Environment.PRODUCTION.value

# The registration's data (the field table), less the environment it is for.
CARRIED_FIELDS = tuple(spec.name for spec in FIELDS if spec.name != "environment")
URI_FIELDS = tuple(spec.name for spec in FIELDS if spec.kind == Kind.URI)

LEFT_OUT_REDIRECT_URI = "Redirect URI “{uri}” {message}"
LEFT_OUT_URI = "“{uri}”: {message}"


@dataclass
class CarryOver:
    data: dict[str, Any]
    # field -> why each left-out value was refused (the validators' messages)
    left_out: dict[str, list[str]] = field(default_factory=dict)


def _refused(check: Callable[..., Any], value: Any, **kwargs: Any) -> list[str]:
    """The validator's messages for `value` under production's rules (none when it passes)."""
    try:
        check(value, environment=PRODUCTION, **kwargs)
    except ValidationError as exc:
        return list(exc.messages)
    return []


def production_carry_over(registration: Registration, *, catalog: Mapping[str, Iterable[str]]) -> CarryOver:
    """The production counterpart's data: the staging values that production accepts."""
    data = {name: copy.deepcopy(getattr(registration, name)) for name in CARRIED_FIELDS}
    carry = CarryOver(data=data)

    kept_uris = []
    for uri in data["redirect_uris"]:
        refused = _refused(
            validators.validate_redirect_uri, uri, application_type=registration.application_type
        )
        carry.left_out.setdefault("redirect_uris", []).extend(
            LEFT_OUT_REDIRECT_URI.format(uri=uri, message=message) for message in refused
        )
        if not refused:
            kept_uris.append(uri)
    data["redirect_uris"] = kept_uris

    kept_tokens = []
    for token in registration.scopes:
        refused = _refused(validators.validate_scope, token, catalog=catalog)
        carry.left_out.setdefault("scope", []).extend(refused)
        if not refused:
            kept_tokens.append(token)
    data["scope"] = " ".join(kept_tokens)

    for name in URI_FIELDS:
        value = data[name]
        refused = _refused(validators.validate_web_uri, value) if value else []
        carry.left_out.setdefault(name, []).extend(
            LEFT_OUT_URI.format(uri=value, message=message) for message in refused
        )
        if refused:
            data[name] = ""
    carry.left_out = {name: reasons for name, reasons in carry.left_out.items() if reasons}
    return carry
