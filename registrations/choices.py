"""The registration's choice values, the one source for models, validators and the field table.

Kept apart from models.py so that the validators and the field table, which
models.py imports, can use them without an import cycle.
"""

from __future__ import annotations

from django.db import models


class Environment(models.TextChoices):
    STAGING = "staging", "Staging"
    PRODUCTION = "production", "Production"


class ApplicationType(models.TextChoices):
    # As in OpenID Connect Dynamic Client Registration `application_type`.
    WEB = "web", "Web"
    NATIVE = "native", "Native"


class TokenEndpointAuthMethod(models.TextChoices):
    CLIENT_SECRET_BASIC = "client_secret_basic", "client_secret_basic (HTTP Basic header)"
    CLIENT_SECRET_POST = "client_secret_post", "client_secret_post (form body)"
