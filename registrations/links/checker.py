"""One URL's check: a GET that must end in a 2xx answer after at most MAX_REDIRECTS
redirects, every hop's address checked first (registrations.links.addresses), all of it
within one deadline (registrations.links.deadline); a logo's body read, at most
`max_bytes` of it, and judged by Pillow."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import SplitResult, urljoin, urlsplit

import certifi
import urllib3
from django.conf import settings
from PIL import Image, UnidentifiedImageError
from urllib3.exceptions import HTTPError, MaxRetryError, NewConnectionError, SSLError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from .addresses import LinkRefused, checked_address, port_of
from .deadline import (
    READING_BODY,
    RESOLVING,
    Deadline,
    DeadlineHTTPConnectionPool,
    DeadlineHTTPSConnectionPool,
    DeadlinePassed,
)

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "PartnerRegistrationPortal-LinkCheck/1.0"
SVG_TYPE = "image/svg+xml"
_CHUNK = 16 * 1024

PAGE_OK = "Reachable ({status})."
LOGO_OK = "A {width}×{height} {type} image."
SVG_OK = "An SVG image (vector logos have no pixel size to check)."
BAD_SCHEME = "Only http and https URLs can be checked."
NO_HOST = "The URL has no host."
BAD_URL = "The URL cannot be requested ({error})."
TOO_MANY_REDIRECTS = f"More than {MAX_REDIRECTS} redirects."
REDIRECT_WITHOUT_LOCATION = "A redirect ({status}) without a Location header."
NOT_2XX = "The server answered {status}."
TIMED_OUT = (
    "No complete answer within {seconds:g} seconds, the deadline for checking one URL (resolving, "
    "connecting, TLS, headers, body and redirects together): stopped while {stage}."
)
CONNECTION_FAILED = "Could not connect to {host} ({error})."
TLS_FAILED = "The TLS connection to {host} failed ({error})."
LOGO_TYPE = "The logo is served as “{content_type}”, which is not one of: {accepted}."
LOGO_CONTENT_TYPE = "The logo's content is “{content_type}”, which is not one of: {accepted}."
LOGO_TOO_LARGE = "The logo is larger than {limit} bytes (reading stopped there)."
LOGO_UNREADABLE = "The logo is not an image that can be read ({error})."
LOGO_NOT_SQUARE = "The logo is {width}×{height} pixels: it must be square (width equal to height)."
LOGO_TOO_SMALL = "The logo is {width}×{height} pixels: it must be at least {minimum}×{minimum}."
SVG_NOT_SVG = "The logo is served as SVG but is not an SVG document."


@dataclass(frozen=True)
class LinkResult:
    ok: bool
    reason: str
    status_code: int | None = None


@dataclass(frozen=True)
class LinkCheckOptions:
    timeout: float
    max_bytes: int
    logo_min_pixels: int
    logo_types: tuple[str, ...]
    allow_private: bool

    @classmethod
    def from_settings(cls) -> LinkCheckOptions:
        return cls(
            timeout=float(settings.PORTAL_LINK_CHECK_TIMEOUT),
            max_bytes=int(settings.PORTAL_LINK_CHECK_MAX_BYTES),
            logo_min_pixels=int(settings.PORTAL_LINK_CHECK_LOGO_MIN_PIXELS),
            logo_types=tuple(t.strip().lower() for t in settings.PORTAL_LINK_CHECK_LOGO_TYPES),
            allow_private=bool(settings.PORTAL_LINK_CHECK_ALLOW_PRIVATE),
        )


def _pool(parts: SplitResult, address: str, deadline: Deadline) -> urllib3.HTTPConnectionPool:
    host = parts.hostname or ""
    common: dict[str, Any] = {"maxsize": 1, "retries": False, "deadline": deadline}
    if parts.scheme == "https":
        return DeadlineHTTPSConnectionPool(
            address,
            port_of(parts),
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            server_hostname=host,
            assert_hostname=host,
            **common,
        )
    return DeadlineHTTPConnectionPool(address, port_of(parts), **common)


def _target(parts: SplitResult) -> str:
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _read_capped(response: Any, limit: int, deadline: Deadline) -> bytes | None:
    """At most `limit` bytes of the body; None when there is more. Stops at the deadline."""
    body = bytearray()
    while len(body) <= limit:
        if deadline.expired:
            raise DeadlinePassed(deadline.stage)
        chunk = response.read1(_CHUNK)
        if not chunk:
            return bytes(body)
        body += chunk
    return None


class _Check:
    """One URL's check: its hops, its deadline, its options."""

    def __init__(self, options: LinkCheckOptions, deadline: Deadline) -> None:
        self.options = options
        self.deadline = deadline

    def timed_out(self) -> LinkResult:
        return LinkResult(False, TIMED_OUT.format(seconds=self.options.timeout, stage=self.deadline.stage))

    def run(self, url: str, *, logo: bool) -> LinkResult:
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                parts = urlsplit(url)
                port_of(parts)  # an invalid port raises here
            except ValueError as exc:
                return LinkResult(False, BAD_URL.format(error=exc))
            if parts.scheme not in ("http", "https"):
                return LinkResult(False, BAD_SCHEME)
            if not parts.hostname:
                return LinkResult(False, NO_HOST)
            try:
                self.deadline.stage = RESOLVING
                address = self.deadline.run(
                    partial(checked_address, parts, allow_private=self.options.allow_private)
                )
                outcome = self._fetch(parts, address, logo=logo)
            except DeadlinePassed:
                return self.timed_out()
            except LinkRefused as refused:
                return LinkResult(False, str(refused))
            except ValueError as exc:  # e.g. http.client refusing characters in a Location
                return LinkResult(False, BAD_URL.format(error=exc))
            if isinstance(outcome, LinkResult):
                return outcome
            url = urljoin(url, outcome)
        return LinkResult(False, TOO_MANY_REDIRECTS)

    def _fetch(self, parts: SplitResult, address: str, *, logo: bool) -> LinkResult | str:
        """The result, or the Location to follow. A result reached after the deadline, from
        a connection the deadline cut, is the deadline's."""
        if self.deadline.expired:
            return self.timed_out()
        remaining = self.deadline.remaining()
        host = parts.hostname or ""
        pool = _pool(parts, address, self.deadline)
        headers = {
            "Host": parts.netloc.rpartition("@")[2],
            "User-Agent": USER_AGENT,
            "Accept": "image/*" if logo else "*/*",
            "Accept-Encoding": "identity",
        }
        try:
            response = pool.urlopen(
                "GET",
                _target(parts),
                headers=headers,
                redirect=False,
                retries=False,
                assert_same_host=False,
                preload_content=False,
                timeout=urllib3.Timeout(connect=remaining, read=remaining),
            )
            try:
                self.deadline.stage = READING_BODY
                outcome = self._judge(response, logo=logo)
            finally:
                response.close()
        except (HTTPError, OSError) as exc:
            outcome = self._failure(exc, host)
        finally:
            pool.close()
        return self.timed_out() if self.deadline.expired else outcome

    def _failure(self, exc: BaseException, host: str) -> LinkResult:
        if isinstance(exc, MaxRetryError) and exc.reason is not None:
            exc = exc.reason
        # NewConnectionError is a ConnectTimeoutError too (urllib3 keeps it so): test it first.
        if isinstance(exc, NewConnectionError):
            return LinkResult(False, CONNECTION_FAILED.format(host=host, error=exc.__cause__ or exc))
        if isinstance(exc, SSLError):
            return LinkResult(False, TLS_FAILED.format(host=host, error=exc))
        if isinstance(exc, Urllib3Timeout | TimeoutError):
            return self.timed_out()
        return LinkResult(False, CONNECTION_FAILED.format(host=host, error=exc))

    def _judge(self, response: Any, *, logo: bool) -> LinkResult | str:
        status = int(response.status)
        if status in REDIRECT_STATUSES:
            location = response.headers.get("Location")
            return location or LinkResult(False, REDIRECT_WITHOUT_LOCATION.format(status=status), status)
        if not 200 <= status < 300:
            return LinkResult(False, NOT_2XX.format(status=status), status)
        if not logo:
            return LinkResult(True, PAGE_OK.format(status=status), status)
        return self._judge_logo(response, status)

    def _judge_logo(self, response: Any, status: int) -> LinkResult:
        options = self.options
        content_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if content_type not in options.logo_types:
            accepted = ", ".join(options.logo_types)
            return LinkResult(False, LOGO_TYPE.format(content_type=content_type, accepted=accepted), status)
        body = _read_capped(response, options.max_bytes, self.deadline)
        if body is None:
            return LinkResult(False, LOGO_TOO_LARGE.format(limit=options.max_bytes), status)
        if content_type == SVG_TYPE:
            ok = b"<svg" in body.lower()
            return LinkResult(ok, SVG_OK if ok else SVG_NOT_SVG, status)
        return _judge_image(body, options, status)


def _judge_image(body: bytes, options: LinkCheckOptions, status: int) -> LinkResult:
    # Only the header is parsed (no pixels decoded), so a huge image costs nothing.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(body)) as image:
                width, height = image.size
                image_type = image.get_format_mimetype() or ""
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        return LinkResult(False, LOGO_UNREADABLE.format(error=exc), status)
    if image_type not in options.logo_types:
        accepted = ", ".join(options.logo_types)
        return LinkResult(False, LOGO_CONTENT_TYPE.format(content_type=image_type, accepted=accepted), status)
    if width != height:
        return LinkResult(False, LOGO_NOT_SQUARE.format(width=width, height=height), status)
    if width < options.logo_min_pixels:
        minimum = options.logo_min_pixels
        return LinkResult(False, LOGO_TOO_SMALL.format(width=width, height=height, minimum=minimum), status)
    return LinkResult(True, LOGO_OK.format(width=width, height=height, type=image_type), status)


def check_link(url: str, *, logo: bool = False, options: LinkCheckOptions | None = None) -> LinkResult:
    """Check one URL (as a logo when `logo`) within the options' deadline. Never raises for
    what the network does."""
    options = options or LinkCheckOptions.from_settings()
    with Deadline(options.timeout) as deadline:
        return _Check(options, deadline).run(url, logo=logo)
