"""The registrations admin, for partner managers. Thin: every write goes through registrations.services.

Modules:
- registration.py:     RegistrationAdmin (made of the mixins below) and its form
- status.py:           the status actions (mark ready, submit, …, archive)
- deadlines.py:        Pleo's calendar: the retrieval deadline, its list filter, the share date's rule
- links.py:            link-check results under the URL fields, "Check links now", the results' admin
- exports.py:          the export pages of a registration and the changelist's export actions
- promotion.py:        "Promote to production" and the readiness report page
- scopes.py:           the scope catalog's admin and the list filter by scope
- credentials.py:      the credential admin and inline, the reveal and rotate pages, the audit trail
- credential_forms.py: the forms that take a client secret (record, rotate) and the change form

Apps above registrations add changelist actions with `add_registration_action` (the
sandbox's "Issue sandbox credentials"); registrations imports none of them.
"""

from __future__ import annotations

from . import credentials, links, scopes
from .registration import RegistrationAdmin, add_registration_action

__all__ = ["RegistrationAdmin", "add_registration_action", "credentials", "links", "scopes"]
