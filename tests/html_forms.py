"""Read a page's form the way a browser would submit it (for tests that drive pages with requests)."""

from __future__ import annotations

from html.parser import HTMLParser


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name"):
            self.fields[str(attributes["name"])] = attributes.get("value") or ""


def form_fields(html: str) -> dict[str, str]:
    """The named inputs of a page (hidden fields, the CSRF token) with their values."""
    parser = _Inputs()
    parser.feed(html)
    return parser.fields
