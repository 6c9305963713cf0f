"""Link checks: is a registration's URL reachable, and is its logo an image Pleo accepts?

A URL passes when a GET ends in a 2xx answer after at most MAX_REDIRECTS
redirects, within `PORTAL_LINK_CHECK_TIMEOUT` seconds: one deadline for the whole
check (resolving, connecting, TLS, headers, body and redirects), which a server
sending its answer a byte at a time cannot stretch. A logo must also be
served as one of `PORTAL_LINK_CHECK_LOGO_TYPES`, and Pillow must read it as a
square image at least `PORTAL_LINK_CHECK_LOGO_MIN_PIXELS` wide (SVG has no
pixel size: it is accepted without that check).

Every hop is guarded against server-side request forgery: its host resolved
once and refused unless every address is public, the connection made to the
address that was checked (with the URL's host in the Host header and, for
https, in SNI and certificate verification), each redirect target checked the
same way before it is fetched. A page's body is not read at all, a logo's at
most `PORTAL_LINK_CHECK_MAX_BYTES`.

Pure: no database. registrations.services.link_checks stores the results.

Modules:
- checker.py:   one URL's check (`check_link`), its hops, and the verdicts on a page and a logo
- addresses.py: the address guard: resolving a host once, refusing non-public addresses
- deadline.py:  the check's one deadline, and the urllib3 connections it cuts off
"""

from __future__ import annotations

from .checker import LinkCheckOptions, LinkResult, check_link

__all__ = ["LinkCheckOptions", "LinkResult", "check_link"]
