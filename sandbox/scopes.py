"""django-oauth-toolkit scopes backend: the sandbox knows the portal's scope catalog.

A client may ask for the catalog scopes it registered (its `scope` metadata);
without a `scope` parameter it gets all of them (RFC 6749 §3.3 default).
"""

from typing import Any

from oauth2_provider.scopes import BaseScopes


def _registered_scopes(application: Any) -> list[str] | None:
    sandbox_client = getattr(application, "sandbox_client", None) if application is not None else None
    return sandbox_client.scope.split() if sandbox_client is not None else None


class CatalogScopes(BaseScopes):
    def get_all_scopes(self) -> dict[str, str]:
        from registrations.models import Scope

        return {
            scope.name: scope.description or scope.name
            for scope in Scope.objects.filter(in_staging=True).only("name", "description")
        }

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        catalog = list(self.get_all_scopes())
        registered = _registered_scopes(application)
        if registered is None:
            return catalog
        return [name for name in catalog if name in registered]

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        if application is None:
            return []
        return self.get_available_scopes(application, request)
