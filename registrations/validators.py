"""The registration rules, in one place: admin, import, commands and the sandbox use them.

Modelled on a strict authorization server: RFC 6749 (scope syntax, redirect URIs),
RFC 8252 (native apps: loopback and private-use schemes), RFC 9700 (exact
matching, no open redirectors) and RFC 7591 (client metadata).

Every rule raises or reports a message kept as a constant here, so tests reuse
them. Errors block saving; warnings are shown and do not block.
"""

from __future__ import annotations

import ipaddress
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

MAX_URI_LENGTH = 2000
MAX_CLIENT_NAME_LENGTH = 200
MAX_SCOPE_LENGTH = 2000
MAX_SUBJECT_TYPE_LENGTH = 100

STAGING = "staging"
PRODUCTION = "production"
WEB = "web"
NATIVE = "native"

# --- messages -----------------------------------------------------------------
REQUIRED = "This field is required."
REDIRECT_URIS_REQUIRED = "Add at least one redirect URI."
REDIRECT_URIS_NOT_A_LIST = "Redirect URIs must be a list of strings."
REDIRECT_URI_NOT_STRING = "must be a string."
REDIRECT_URI_EMPTY = "is empty: remove the entry or fill it in."
REDIRECT_URI_TOO_LONG = f"is longer than {MAX_URI_LENGTH} characters."
REDIRECT_URI_WHITESPACE = "contains whitespace or a control character: remove it (URIs are matched exactly)."
REDIRECT_URI_NON_ASCII = (
    "contains non-ASCII characters: percent-encode the path and write the host in punycode (xn--…)."
)
REDIRECT_URI_NOT_ABSOLUTE = "must be an absolute URI with a scheme, e.g. https://app.example/callback."
REDIRECT_URI_SCHEME_CASE = "must be in canonical form: write the scheme in lowercase."
REDIRECT_URI_FORBIDDEN_SCHEME = "uses a scheme that is never allowed for redirects ({scheme}:)."
REDIRECT_URI_FRAGMENT = "must not contain a fragment (#): the authorization server appends to the query, and RFC 6749 §3.1.2 forbids fragments."
REDIRECT_URI_WILDCARD = "must not contain a wildcard (*): redirect URIs are matched exactly."
REDIRECT_URI_USERINFO = "must not contain user information (user:password@)."
REDIRECT_URI_NO_HOST = "has no host: use scheme://host/path."
REDIRECT_URI_HOST_CASE = "must be in canonical form: write the host in lowercase."
REDIRECT_URI_BAD_HOST = "has an invalid host name."
REDIRECT_URI_BAD_PORT = "has an invalid port: use a number from 1 to 65535, or leave the port out."
REDIRECT_URI_BAD_CHARACTER = (
    "contains a character that a URI may not hold ({character}): percent-encode it (RFC 3986 §2)."
)
REDIRECT_URI_BAD_PERCENT = (
    "has a % that is not followed by two hexadecimal digits: write %25 for a literal %."
)
REDIRECT_URI_BAD_PUNYCODE = "has a host label starting with xn-- that is not valid punycode."
REDIRECT_URI_IP_FORM = "must be in canonical form: write an IPv4 address as four decimal numbers without leading zeros (e.g. 127.0.0.1)."
REDIRECT_URI_IPV6_FORM = "must be in canonical form: write an IPv6 address compressed and in lowercase, without a zone (e.g. [::1])."
REDIRECT_URI_DOT_SEGMENT = "must be in canonical form: remove the /./ and /../ segments from the path."
REDIRECT_URI_WEB_NEEDS_HTTPS = (
    "must use https for a web client (plain http only to 127.0.0.1 or [::1] in staging)."
)
REDIRECT_URI_HTTP_PRODUCTION = "uses plain http, which a web client may not use in production: use https."
REDIRECT_URI_HTTP_NOT_LOOPBACK = "uses plain http to a host that is not a loopback IP literal: use https, or http://127.0.0.1 / http://[::1]."
REDIRECT_URI_LOOPBACK_PRODUCTION_WEB = (
    "points at a loopback host, which a web client may not use in production."
)
REDIRECT_URI_LOCALHOST_PRODUCTION = (
    "uses host localhost, which is not allowed in production: use 127.0.0.1 (RFC 8252 §8.3)."
)
REDIRECT_URI_LOCALHOST_WARNING = "uses host localhost: prefer the loopback IP literal 127.0.0.1 (RFC 8252 §8.3); localhost is accepted in staging only."
REDIRECT_URI_NATIVE_SCHEME = "must use https, http to 127.0.0.1 / [::1], or a private-use scheme in reverse-domain form such as com.example.app:/callback (RFC 8252 §7)."
REDIRECT_URI_PRIVATE_SCHEME_FORM = "uses a private-use scheme, which must be followed by a single slash, e.g. com.example.app:/callback (RFC 8252 §7.1)."
REDIRECT_URI_DUPLICATE = "is listed more than once: remove the duplicate."
REDIRECT_URI_NEAR_DUPLICATE = (
    "differs from {other} only by case or a trailing slash: both will be registered as distinct URIs."
)

SCOPE_REQUIRED = "Choose at least one scope."
SCOPE_TOO_LONG = f"Use at most {MAX_SCOPE_LENGTH} characters for all scopes together."
SCOPE_SPACING = "Separate scopes with single spaces, with no leading or trailing space."
SCOPE_TOKEN_SYNTAX = "“{token}” is not a valid scope token (RFC 6749 §3.3: printable ASCII without spaces, quotes or backslashes)."
SCOPE_DUPLICATE = "“{token}” is listed more than once."
SCOPE_NOT_IN_CATALOG_ERROR = (
    "“{token}” is not in the scope catalog for production: add it to the catalog first or remove it."
)
SCOPE_NOT_IN_CATALOG_WARNING = (
    "“{token}” is not in the scope catalog for staging: check the spelling with Pleo."
)

URI_NOT_ABSOLUTE = "Enter an absolute http(s) URL, e.g. https://client.example/."
URI_WHITESPACE = "Remove whitespace and control characters from the URL."
URI_TOO_LONG = f"Use at most {MAX_URI_LENGTH} characters."
URI_USERINFO = "Remove the user information (user:password@) from the URL."
URI_WILDCARD = "Remove the wildcard (*) from the URL."
URI_HTTPS_REQUIRED = "Use https: production registrations need https URLs."
URI_BAD_CHARACTER = "Percent-encode the character {character}: a URL may not hold it (RFC 3986 §2)."
URI_NON_ASCII = "Use an ASCII URL: percent-encode the path and write the host in punycode (xn--…)."

CONTACTS_REQUIRED = "Add at least one contact email address."
CONTACTS_NOT_A_LIST = "Contacts must be a list of email addresses."
CONTACT_INVALID = (
    "“{contact}” is not a bare email address (no display name, no mailto:, one address per entry)."
)
CONTACT_DOMAIN_NOT_DOTTED = "“{contact}” needs a full domain with a dot, e.g. name@company.example."
CONTACT_IP_DOMAIN = "“{contact}” has an IP address as its domain: use an address at a domain name."
CONTACT_DUPLICATE = "“{contact}” is listed more than once."

CLIENT_NAME_CONTROL = "Remove control characters from the client name."
CLIENT_NAME_TOO_LONG = f"Use at most {MAX_CLIENT_NAME_LENGTH} characters."
SUBJECT_TYPE_TOO_LONG = f"Use at most {MAX_SUBJECT_TYPE_LENGTH} characters."
SUBJECT_TYPE_SYNTAX = "Leave empty for None, or enter a resource context such as company or organisation (lowercase letters, digits, - and _)."
ENVIRONMENT_INVALID = "Choose staging or production."
PRODUCTION_ASKS_FOR = "Pleo asks for this in production: add {what}."
APPLICATION_TYPE_INVALID = "Choose web or native."

FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "file", "vbscript", "blob", "about", "ftp"})
LOOPBACK_LITERALS = frozenset({"127.0.0.1", "[::1]"})

# RFC 3986 §2: unreserved, reserved (gen-delims and sub-delims) and "%" for escapes.
_URI_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-._~" + ":/?#[]@" + "!$&'()*+,;=" + "%")
_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_PRIVATE_SCHEME_RE = re.compile(r"[a-z][a-z0-9\-]*(\.[a-z0-9][a-z0-9\-]*)+")
_HOST_LABEL_RE = re.compile(r"(?!-)[A-Za-z0-9\-]{1,63}(?<!-)")
# A last label like these makes the host an IPv4 address to browsers (WHATWG URL).
_NUMERIC_LABEL_RE = re.compile(r"(0[xX][0-9A-Fa-f]*|[0-9]+)")
_BAD_PERCENT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")
# fullmatch everywhere: `$` would accept a trailing newline.
_SCOPE_TOKEN_RE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")
_SUBJECT_TYPE_RE = re.compile(r"[a-z][a-z0-9_\-]*")
_email_validator = EmailValidator()


def _has_whitespace_or_control(value: str) -> bool:
    return any(ch.isspace() or ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in value)


def _first_bad_character(value: str) -> str | None:
    return next((ch for ch in value if ch not in _URI_CHARACTERS), None)


@dataclass(frozen=True)
class _Authority:
    host: str  # as written, brackets kept for IPv6
    port: str | None


def _split_authority(rest: str) -> tuple[str, str] | None:
    """Split `//authority/path?query` into authority and the remainder."""
    if not rest.startswith("//"):
        return None
    rest = rest[2:]
    cut = len(rest)
    for sep in "/?":
        index = rest.find(sep)
        if index != -1:
            cut = min(cut, index)
    return rest[:cut], rest[cut:]


def _parse_authority(authority: str) -> _Authority:
    if authority.startswith("["):
        end = authority.find("]")
        if end == -1:
            raise ValueError("unclosed IPv6 literal")
        host, after = authority[: end + 1], authority[end + 1 :]
        if after and not after.startswith(":"):
            raise ValueError("junk after IPv6 literal")
        port = after[1:] if after else None
        ipaddress.IPv6Address(host[1:-1])
        return _Authority(host=host, port=port)
    if ":" in authority:
        host, port = authority.rsplit(":", 1)
        return _Authority(host=host, port=port)
    return _Authority(host=authority, port=None)


def _valid_port(port: str | None) -> bool:
    if port is None:
        return True
    return port.isdigit() and 1 <= int(port) <= 65535 and not (len(port) > 1 and port[0] == "0")


def _labels(host: str) -> list[str]:
    return host[:-1].split(".") if host.endswith(".") else host.split(".")


def _valid_reg_name(host: str) -> bool:
    if not host or len(host) > 253:
        return False
    return all(_HOST_LABEL_RE.fullmatch(label) for label in _labels(host))


def _valid_punycode(label: str) -> bool:
    try:
        # The idna codec also refuses labels that do not round-trip.
        decoded = label.encode("ascii").decode("idna")
    except UnicodeError:
        return False
    return decoded.lower() != label.lower()


def _looks_like_ipv4(host: str) -> bool:
    return bool(_NUMERIC_LABEL_RE.fullmatch(_labels(host)[-1]))


def is_localhost(host: str) -> bool:
    host = host.rstrip(".").lower()
    return host == "localhost" or host.endswith(".localhost")


def is_loopback_host(host: str) -> bool:
    """Any name or address that reaches this machine (0.0.0.0 and ::ffff:127.x too)."""
    if is_localhost(host):
        return True
    literal = host[1:-1] if host.startswith("[") else host
    try:
        address = ipaddress.ip_address(literal)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified


def _check_redirect_host(host: str) -> None:
    """Canonical host: lowercase name, punycode labels, canonical IP literals."""
    if not host:
        raise ValidationError(REDIRECT_URI_NO_HOST)
    if host.startswith("["):
        literal = host[1:-1]
        if "%" in literal:
            raise ValidationError(REDIRECT_URI_IPV6_FORM)
        address = ipaddress.IPv6Address(literal)
        # RFC 5952: compressed lowercase; IPv4-mapped addresses in mixed notation (§5).
        canonical = {str(address)}
        if address.ipv4_mapped is not None:
            canonical.add(f"::ffff:{address.ipv4_mapped}")
        if literal not in canonical:
            raise ValidationError(REDIRECT_URI_IPV6_FORM)
        return
    if _looks_like_ipv4(host):
        try:
            ipaddress.IPv4Address(host)  # strict: four decimal parts, no leading zeros
        except ValueError:
            raise ValidationError(REDIRECT_URI_IP_FORM) from None
        return
    if host != host.lower():
        raise ValidationError(REDIRECT_URI_HOST_CASE)
    if not _valid_reg_name(host):
        raise ValidationError(REDIRECT_URI_BAD_HOST)
    if any(label.startswith("xn--") and not _valid_punycode(label) for label in _labels(host)):
        raise ValidationError(REDIRECT_URI_BAD_PUNYCODE)


def _check_path(path_and_query: str) -> None:
    path = path_and_query.split("?", 1)[0]
    if "[" in path_and_query or "]" in path_and_query:
        # Brackets are only allowed around an IPv6 host.
        character = "[" if "[" in path_and_query else "]"
        raise ValidationError(REDIRECT_URI_BAD_CHARACTER.format(character=character))
    if any(segment in (".", "..") for segment in path.split("/")):
        raise ValidationError(REDIRECT_URI_DOT_SEGMENT)


def validate_redirect_uri(uri: Any, *, environment: str, application_type: str) -> list[str]:
    """Check one redirect URI. Raises ValidationError; returns warnings."""
    if not isinstance(uri, str):
        raise ValidationError(REDIRECT_URI_NOT_STRING)
    if uri == "":
        raise ValidationError(REDIRECT_URI_EMPTY)
    if len(uri) > MAX_URI_LENGTH:
        raise ValidationError(REDIRECT_URI_TOO_LONG)
    if _has_whitespace_or_control(uri):
        raise ValidationError(REDIRECT_URI_WHITESPACE)
    if not uri.isascii():
        raise ValidationError(REDIRECT_URI_NON_ASCII)
    match = _SCHEME_RE.match(uri)
    if not match:
        raise ValidationError(REDIRECT_URI_NOT_ABSOLUTE)
    scheme = match.group(1)
    if scheme.lower() in FORBIDDEN_SCHEMES:
        raise ValidationError(REDIRECT_URI_FORBIDDEN_SCHEME.format(scheme=scheme.lower()))
    if scheme != scheme.lower():
        raise ValidationError(REDIRECT_URI_SCHEME_CASE)
    if "#" in uri:
        raise ValidationError(REDIRECT_URI_FRAGMENT)
    if "*" in uri:
        raise ValidationError(REDIRECT_URI_WILDCARD)
    character = _first_bad_character(uri)
    if character is not None:
        raise ValidationError(REDIRECT_URI_BAD_CHARACTER.format(character=character))
    if _BAD_PERCENT_RE.search(uri):
        raise ValidationError(REDIRECT_URI_BAD_PERCENT)
    rest = uri[len(scheme) + 1 :]

    if scheme in ("http", "https"):
        return _validate_http_redirect(
            scheme, rest, environment=environment, application_type=application_type
        )
    if application_type == NATIVE and "." in scheme:
        if not _PRIVATE_SCHEME_RE.fullmatch(scheme):
            raise ValidationError(REDIRECT_URI_NATIVE_SCHEME)
        if not rest.startswith("/") or rest.startswith("//"):
            raise ValidationError(REDIRECT_URI_PRIVATE_SCHEME_FORM)
        _check_path(rest)
        return []
    if application_type == NATIVE:
        raise ValidationError(REDIRECT_URI_NATIVE_SCHEME)
    raise ValidationError(REDIRECT_URI_WEB_NEEDS_HTTPS)


def _validate_http_redirect(scheme: str, rest: str, *, environment: str, application_type: str) -> list[str]:
    split = _split_authority(rest)
    if split is None:
        raise ValidationError(REDIRECT_URI_NO_HOST)
    authority, path_and_query = split
    if "@" in authority:
        raise ValidationError(REDIRECT_URI_USERINFO)
    try:
        parsed = _parse_authority(authority)
    except ValueError:
        raise ValidationError(REDIRECT_URI_BAD_HOST) from None
    _check_redirect_host(parsed.host)
    if not _valid_port(parsed.port):
        raise ValidationError(REDIRECT_URI_BAD_PORT)
    _check_path(path_and_query)

    host = parsed.host
    if is_localhost(host):
        # RFC 8252 §8.3: accepted in staging (any scheme, both application
        # types) with a nudge towards the IP literal; never in production.
        if environment == PRODUCTION:
            raise ValidationError(REDIRECT_URI_LOCALHOST_PRODUCTION)
        return [REDIRECT_URI_LOCALHOST_WARNING]
    if application_type == WEB and environment == PRODUCTION and is_loopback_host(host):
        raise ValidationError(REDIRECT_URI_LOOPBACK_PRODUCTION_WEB)
    if scheme == "http":
        if host not in LOOPBACK_LITERALS:
            raise ValidationError(REDIRECT_URI_HTTP_NOT_LOOPBACK)
        if application_type == WEB and environment == PRODUCTION:
            raise ValidationError(REDIRECT_URI_HTTP_PRODUCTION)
    return []


def _near_duplicate_key(uri: str) -> str:
    return uri.lower().rstrip("/")


def _shown(value: Any) -> str:
    shown = value if isinstance(value, str) else repr(value)
    return shown[:117] + "…" if len(shown) > 120 else shown


def _entry(position: int, uri: Any) -> str:
    return f"Redirect URI {position} “{_shown(uri)}”"


def validate_redirect_uris(uris: Any, *, environment: str, application_type: str) -> list[str]:
    """Check the ordered list. Raises one ValidationError naming every bad entry."""
    if not isinstance(uris, list):
        raise ValidationError(REDIRECT_URIS_NOT_A_LIST)
    if not uris:
        raise ValidationError(REDIRECT_URIS_REQUIRED)
    errors: list[str] = []
    warnings: list[str] = []
    seen: set[str] = set()
    near: dict[str, str] = {}
    for position, uri in enumerate(uris, start=1):
        try:
            for warning in validate_redirect_uri(
                uri, environment=environment, application_type=application_type
            ):
                warnings.append(f"{_entry(position, uri)} {warning}")
        except ValidationError as exc:
            errors.extend(f"{_entry(position, uri)} {message}" for message in exc.messages)
            continue
        if uri in seen:
            errors.append(f"{_entry(position, uri)} {REDIRECT_URI_DUPLICATE}")
            continue
        seen.add(uri)
        key = _near_duplicate_key(uri)
        if key in near:
            warnings.append(f"{_entry(position, uri)} {REDIRECT_URI_NEAR_DUPLICATE.format(other=near[key])}")
        else:
            near[key] = uri
    if errors:
        raise ValidationError(errors)
    return warnings


def validate_scope_token(token: str) -> None:
    if not _SCOPE_TOKEN_RE.fullmatch(token):
        raise ValidationError(SCOPE_TOKEN_SYNTAX.format(token=token))


def validate_scope(scope: Any, *, environment: str, catalog: Mapping[str, Iterable[str]]) -> list[str]:
    """Check a space-separated scope string against RFC 6749 §3.3 and the catalog.

    `catalog` maps each known scope name to the environments it exists in.
    """
    if not isinstance(scope, str) or scope == "":
        raise ValidationError(SCOPE_REQUIRED)
    if len(scope) > MAX_SCOPE_LENGTH:
        raise ValidationError(SCOPE_TOO_LONG)
    if scope != scope.strip(" ") or "  " in scope:
        raise ValidationError(SCOPE_SPACING)
    errors: list[str] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for token in scope.split(" "):
        if not _SCOPE_TOKEN_RE.fullmatch(token):
            errors.append(SCOPE_TOKEN_SYNTAX.format(token=_shown(token)))
            continue
        if token in seen:
            errors.append(SCOPE_DUPLICATE.format(token=token))
            continue
        seen.add(token)
        if environment not in set(catalog.get(token, ())):
            if environment == PRODUCTION:
                errors.append(SCOPE_NOT_IN_CATALOG_ERROR.format(token=token))
            else:
                warnings.append(SCOPE_NOT_IN_CATALOG_WARNING.format(token=token))
    if errors:
        raise ValidationError(errors)
    return warnings


def validate_web_uri(value: Any, *, environment: str) -> None:
    """Client, terms, privacy, logo, initiation and settings URIs."""
    if not isinstance(value, str) or value == "":
        raise ValidationError(REQUIRED)
    if len(value) > MAX_URI_LENGTH:
        raise ValidationError(URI_TOO_LONG)
    if _has_whitespace_or_control(value):
        raise ValidationError(URI_WHITESPACE)
    if not value.isascii():
        raise ValidationError(URI_NON_ASCII)
    match = _SCHEME_RE.match(value)
    if not match or match.group(1).lower() not in ("http", "https"):
        raise ValidationError(URI_NOT_ABSOLUTE)
    scheme = match.group(1).lower()
    split = _split_authority(value[len(scheme) + 1 :])
    if split is None or not split[0]:
        raise ValidationError(URI_NOT_ABSOLUTE)
    authority = split[0]
    if "@" in authority:
        raise ValidationError(URI_USERINFO)
    if "*" in value:
        raise ValidationError(URI_WILDCARD)
    character = _first_bad_character(value)
    if character is not None or _BAD_PERCENT_RE.search(value):
        raise ValidationError(URI_BAD_CHARACTER.format(character=character or "%"))
    try:
        parsed = _parse_authority(authority)
    except ValueError:
        raise ValidationError(URI_NOT_ABSOLUTE) from None
    if not parsed.host or not _valid_port(parsed.port):
        raise ValidationError(URI_NOT_ABSOLUTE)
    if not parsed.host.startswith("[") and not _valid_reg_name(parsed.host):
        raise ValidationError(URI_NOT_ABSOLUTE)
    if environment == PRODUCTION and scheme != "https":
        raise ValidationError(URI_HTTPS_REQUIRED)


def validate_contacts(contacts: Any) -> None:
    """Each entry one bare address at a dotted domain name; entries named in errors."""
    if not isinstance(contacts, list):
        raise ValidationError(CONTACTS_NOT_A_LIST)
    if not contacts:
        raise ValidationError(CONTACTS_REQUIRED)
    errors: list[str] = []
    seen: set[str] = set()
    for contact in contacts:
        if not isinstance(contact, str):
            errors.append(CONTACT_INVALID.format(contact=_shown(contact)))
            continue
        try:
            if contact != contact.strip() or contact.lower().startswith("mailto:"):
                raise ValidationError("")
            _email_validator(contact)
        except ValidationError:
            errors.append(CONTACT_INVALID.format(contact=_shown(contact)))
            continue
        domain = contact.rsplit("@", 1)[1]
        if domain.startswith("["):
            errors.append(CONTACT_IP_DOMAIN.format(contact=contact))
            continue
        if "." not in domain.strip("."):
            errors.append(CONTACT_DOMAIN_NOT_DOTTED.format(contact=contact))
            continue
        if contact.lower() in seen:
            errors.append(CONTACT_DUPLICATE.format(contact=contact))
            continue
        seen.add(contact.lower())
    if errors:
        raise ValidationError(errors)


def validate_client_name(value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(REQUIRED)
    if len(value) > MAX_CLIENT_NAME_LENGTH:
        raise ValidationError(CLIENT_NAME_TOO_LONG)
    if any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in value):
        raise ValidationError(CLIENT_NAME_CONTROL)


def validate_subject_type_preference(value: Any) -> None:
    if value in ("", None):
        return
    if isinstance(value, str) and len(value) > MAX_SUBJECT_TYPE_LENGTH:
        raise ValidationError(SUBJECT_TYPE_TOO_LONG)
    if not isinstance(value, str) or not _SUBJECT_TYPE_RE.fullmatch(value):
        raise ValidationError(SUBJECT_TYPE_SYNTAX)


# --- the whole registration -----------------------------------------------------


class RegistrationLike(Protocol):
    client_name: Any
    client_uri: Any
    logo_uri: Any
    tos_uri: Any
    policy_uri: Any
    contacts: Any
    initiation_uri: Any
    settings_uri: Any
    redirect_uris: Any
    scope: Any
    subject_type_preference: Any
    environment: Any
    application_type: Any


@dataclass
class ValidationReport:
    """Errors block saving; warnings are shown next to the field and do not.

    `incomplete` names fields that are valid but empty where Pleo asks for them
    (production); like warnings they do not block saving, and the readiness report
    counts them as failures.
    """

    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    incomplete: dict[str, list[str]] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def add_error(self, field_name: str, exc: ValidationError) -> None:
        self.errors.setdefault(field_name, []).extend(exc.messages)

    def add_warnings(self, field_name: str, messages: list[str]) -> None:
        if messages:
            self.warnings.setdefault(field_name, []).extend(messages)


REQUIRED_URI_FIELDS = ("client_uri", "tos_uri", "policy_uri")
OPTIONAL_URI_FIELDS = ("logo_uri", "initiation_uri", "settings_uri")
# Optional in staging; Pleo asks for them before it issues production credentials
# (a listing in Pleo's app directory shows the logo and links to both pages).
ASKED_FOR_IN_PRODUCTION = {
    "logo_uri": "the URL of a square logo image",
    "initiation_uri": "the page where a Pleo user starts connecting your app",
    "settings_uri": "the page where a Pleo user manages the connection",
}
# Every field that check_registration judges, required-ness and length included:
# callers may skip Django's generic checks for these so one message is shown, not two.
VALIDATED_FIELDS = (
    "client_name",
    *REQUIRED_URI_FIELDS,
    *OPTIONAL_URI_FIELDS,
    "contacts",
    "redirect_uris",
    "scope",
    "subject_type_preference",
    "environment",
    "application_type",
)


def load_scope_catalog() -> dict[str, list[str]]:
    """The catalog as {scope name: [environments]} from the database."""
    from django.apps import apps

    scope_model = apps.get_model("registrations", "Scope")
    catalog: dict[str, list[str]] = {}
    for name, in_staging, in_production in scope_model.objects.values_list(
        "name", "in_staging", "in_production"
    ):
        catalog[name] = [
            env for env, present in ((STAGING, in_staging), (PRODUCTION, in_production)) if present
        ]
    return catalog


def check_registration(
    registration: RegistrationLike, *, catalog: Mapping[str, Iterable[str]] | None = None
) -> ValidationReport:
    """Apply every rule to a registration (saved or not) and collect the results."""
    report = ValidationReport()
    environment = registration.environment
    application_type = registration.application_type
    if environment not in (STAGING, PRODUCTION):
        report.add_error("environment", ValidationError(ENVIRONMENT_INVALID))
        environment = PRODUCTION  # judge the rest by the stricter rules
    if application_type not in (WEB, NATIVE):
        report.add_error("application_type", ValidationError(APPLICATION_TYPE_INVALID))
        application_type = WEB

    checks: list[tuple[str, Any]] = [
        ("client_name", lambda: validate_client_name(registration.client_name)),
        ("contacts", lambda: validate_contacts(registration.contacts)),
        (
            "subject_type_preference",
            lambda: validate_subject_type_preference(registration.subject_type_preference),
        ),
    ]
    for name in REQUIRED_URI_FIELDS:
        checks.append(
            (name, lambda name=name: validate_web_uri(getattr(registration, name), environment=environment))
        )
    for name in OPTIONAL_URI_FIELDS:
        if getattr(registration, name) in ("", None):
            if environment == PRODUCTION and name in ASKED_FOR_IN_PRODUCTION:
                report.incomplete[name] = [PRODUCTION_ASKS_FOR.format(what=ASKED_FOR_IN_PRODUCTION[name])]
        else:
            checks.append(
                (
                    name,
                    lambda name=name: validate_web_uri(getattr(registration, name), environment=environment),
                )
            )
    for field_name, check in checks:
        try:
            check()
        except ValidationError as exc:
            report.add_error(field_name, exc)

    try:
        report.add_warnings(
            "redirect_uris",
            validate_redirect_uris(
                registration.redirect_uris, environment=environment, application_type=application_type
            ),
        )
    except ValidationError as exc:
        report.add_error("redirect_uris", exc)

    try:
        report.add_warnings(
            "scope",
            validate_scope(
                registration.scope,
                environment=environment,
                catalog=load_scope_catalog() if catalog is None else catalog,
            ),
        )
    except ValidationError as exc:
        report.add_error("scope", exc)
    return report
