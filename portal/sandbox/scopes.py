"""django-oauth-toolkit scopes backend: the sandbox knows the portal's scope catalog."""

from typing import Any

from oauth2_provider.scopes import BaseScopes


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
        return list(self.get_all_scopes())

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return []
