"""The readiness report: is a production registration ready to send to Pleo?

Every item comes from a rule that lives elsewhere: the validators
(check_registration, judged with production's rules: errors, and the fields Pleo
asks for in production), the stored link checks, and whether the staging
counterpart has a successful test call in the last `PORTAL_STAGING_EVIDENCE_DAYS`
days. Test calls belong to a layer above this one: that layer registers where
the evidence comes from (`add_staging_evidence`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.text import capfirst

from .fields import BY_NAME, FIELDS, link_fields
from .models import Environment, LinkCheck, Registration
from .promotion import production_carry_over
from .selectors import scope_catalog
from .validators import check_registration

FIX_EDIT = "Edit “{label}” on the production registration and save."
FIX_LINK = "Make the page answer, or change “{label}”; then run the link check again."
LINK_UNREACHABLE = "“{url}” could not be used: {reason}"
NO_STAGING_COUNTERPART = (
    "This production registration was not promoted from a staging one, so there is no staging "
    "test call to show."
)
NO_EVIDENCE_SOURCE = "No app records test calls, so there is no staging test call to show."
NO_RECENT_TEST_CALL = (
    "The staging registration “{staging}” has no successful test call in the last {days} days: "
    "make one from the dashboard (or turn on monitoring) before asking Pleo for production credentials."
)
NOT_PRODUCTION = (
    "“{registration}” is a staging registration: only production registrations have a readiness report."
)

Evidence = Callable[[Registration, datetime], "StagingEvidence | None"]
_evidence_sources: list[Evidence] = []


@dataclass(frozen=True)
class StagingEvidence:
    found: bool
    description: str


@dataclass(frozen=True)
class ReadinessItem:
    """One production rule the registration fails: the field, what is wrong, how to fix it."""

    field: str
    label: str
    problem: str
    fix: str


@dataclass(frozen=True)
class ReadinessReport:
    registration: Registration
    failures: list[ReadinessItem]
    evidence: StagingEvidence
    # Staging values that production refused at promotion, by field label (for reference).
    left_out: list[tuple[str, str]] = field(default_factory=list)
    # URLs with no stored link check yet (not counted as failures).
    unchecked_links: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.failures and self.evidence.found


def add_staging_evidence(source: Evidence) -> None:
    """Register a source of staging evidence (called from an app's `ready()`)."""
    if source not in _evidence_sources:
        _evidence_sources.append(source)


def field_label(name: str) -> str:
    """Pleo's label for a field of the table (the model's name for anything else)."""
    if name in BY_NAME:
        return BY_NAME[name].label
    return str(capfirst(getattr(Registration._meta.get_field(name), "verbose_name", name)))


def _validator_items(registration: Registration, catalog: Mapping[str, Iterable[str]]) -> list[ReadinessItem]:
    report = check_registration(registration, catalog=catalog)
    items: list[ReadinessItem] = []
    for problems in (report.errors, report.incomplete):
        for name, messages in problems.items():
            label = field_label(name)
            items.extend(
                ReadinessItem(name, label, message, FIX_EDIT.format(label=label)) for message in messages
            )
    order = [spec.name for spec in FIELDS]
    return sorted(items, key=lambda item: order.index(item.field) if item.field in order else len(order))


@dataclass(frozen=True)
class LinkProblem:
    field: str
    url: str
    reason: str


def link_results(registration: Registration) -> tuple[list[LinkProblem], list[str]]:
    """Unreachable links (the stored checks of the URLs the registration has now) and the
    URL fields with no check of their current URL yet."""
    checks = {check.field: check for check in LinkCheck.objects.filter(registration=registration)}
    problems, unchecked = [], []
    for name in (link.name for link in link_fields()):
        url = getattr(registration, name)
        if not url:
            continue
        check = checks.get(name)
        if check is None or check.ok is None or check.url != url:
            unchecked.append(name)
        elif not check.ok:
            problems.append(LinkProblem(field=name, url=url, reason=check.reason))
    return problems, unchecked


def _staging_evidence(registration: Registration, now: datetime) -> StagingEvidence:
    staging = registration.promoted_from
    if staging is None:
        return StagingEvidence(False, NO_STAGING_COUNTERPART)
    if not _evidence_sources:
        return StagingEvidence(False, NO_EVIDENCE_SOURCE)
    days = settings.PORTAL_STAGING_EVIDENCE_DAYS
    since = now - timedelta(days=days)
    for source in _evidence_sources:
        evidence = source(staging, since)
        if evidence is not None:
            return evidence
    return StagingEvidence(False, NO_RECENT_TEST_CALL.format(staging=staging, days=days))


def readiness_report(registration: Registration, *, now: datetime | None = None) -> ReadinessReport:
    """The report for a production registration (ValueError for a staging one)."""
    if registration.environment != Environment.PRODUCTION:
        raise ValueError(NOT_PRODUCTION.format(registration=registration))
    catalog = scope_catalog()
    failures = _validator_items(registration, catalog)
    problems, unchecked = link_results(registration)
    for problem in problems:
        label = field_label(problem.field)
        failures.append(
            ReadinessItem(
                problem.field,
                label,
                LINK_UNREACHABLE.format(url=problem.url, reason=problem.reason),
                FIX_LINK.format(label=label),
            )
        )
    left_out = []
    if registration.promoted_from is not None:
        carry = production_carry_over(registration.promoted_from, catalog=catalog)
        left_out = [
            (field_label(name), reason) for name, reasons in carry.left_out.items() for reason in reasons
        ]
    return ReadinessReport(
        registration=registration,
        failures=failures,
        evidence=_staging_evidence(registration, now or timezone.now()),
        left_out=left_out,
        unchecked_links=[field_label(name) for name in unchecked],
    )
