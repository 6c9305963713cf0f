"""The link checker (registrations/checker.py) over real HTTP on 127.0.0.1: reachability,
redirects re-checked per hop, logos read by Pillow, the body cap, timeouts, and the
address guard against server-side request forgery (with the resolver patched, never
the network)."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import urllib3.util.connection

from registrations.links import addresses, checker
from registrations.links.deadline import AWAITING_HEADERS, READING_BODY, RESOLVING
from tests.registrations.link_site import SVG_LOGO, LinkSite, Page, image, redirect

PUBLIC_NAME = "partner.example"
PUBLIC_ADDRESS = "93.184.215.14"


@pytest.fixture
def site() -> Iterator[LinkSite]:
    site = LinkSite()
    yield site
    site.close()


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every address the checker connects to; connecting anywhere but 127.0.0.1 fails the test."""
    made: list[tuple[str, int]] = []
    real = urllib3.util.connection.create_connection

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        made.append(address)
        if address[0] != "127.0.0.1":
            raise AssertionError(f"the checker connected to {address}")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    return made


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Names resolve to what the test puts here (IP literals resolve to themselves)."""
    answers: dict[str, list[str]] = {}
    calls: list[str] = []

    def resolve_host(host: str, port: int) -> list[str]:
        calls.append(host)
        if host in answers:
            return answers[host]
        if host.replace(".", "").isdigit() or ":" in host:
            return [host]
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(addresses, "resolve_host", resolve_host)
    answers["__calls__"] = calls  # type: ignore[assignment]
    return answers


@pytest.fixture
def allow_private(settings: Any) -> None:
    settings.PORTAL_LINK_CHECK_ALLOW_PRIVATE = True


@pytest.fixture
def loopback_is_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """127.0.0.1 stands in for a public site: only it passes, every other address is judged as usual."""
    judge = addresses.address_kind
    monkeypatch.setattr(
        addresses, "address_kind", lambda address: None if str(address) == "127.0.0.1" else judge(address)
    )


# --- reachability ------------------------------------------------------------------


@pytest.mark.usefixtures("allow_private")
def test_a_page_answering_200_passes(site: LinkSite) -> None:
    site.pages["/"] = Page()
    assert checker.check_link(site.url("/")) == checker.LinkResult(
        True, checker.PAGE_OK.format(status=200), 200
    )


@pytest.mark.usefixtures("allow_private")
@pytest.mark.parametrize("status", [404, 500])
def test_a_page_answering_an_error_fails_with_its_status(site: LinkSite, status: int) -> None:
    site.pages["/"] = Page(status=status)
    assert checker.check_link(site.url("/")) == checker.LinkResult(
        False, checker.NOT_2XX.format(status=status), status
    )


@pytest.mark.parametrize("url", ["ftp://files.example/logo.png", "javascript:alert(1)"])
def test_only_http_and_https_are_checked(url: str, connections: list[Any]) -> None:
    assert (checker.check_link(url), connections) == (checker.LinkResult(False, checker.BAD_SCHEME), [])


def test_a_url_with_an_impossible_port_fails_without_a_connection(connections: list[Any]) -> None:
    result = checker.check_link("https://client.example:99999/")
    assert (result.ok, result.reason.split("(")[0], connections) == (False, checker.BAD_URL.split("(")[0], [])


@pytest.mark.usefixtures("allow_private")
def test_a_logo_whose_content_is_another_type_than_accepted_fails(site: LinkSite, settings: Any) -> None:
    settings.PORTAL_LINK_CHECK_LOGO_TYPES = ["image/png"]
    site.pages["/logo"] = image(256, 256, "JPEG", "image/png")
    reason = checker.LOGO_CONTENT_TYPE.format(content_type="image/jpeg", accepted="image/png")
    assert checker.check_link(site.url("/logo"), logo=True) == checker.LinkResult(False, reason, 200)


def test_a_name_that_does_not_resolve_fails(resolver: dict[str, Any], connections: list[Any]) -> None:
    result = checker.check_link("https://nowhere.example/")
    assert not result.ok
    assert result.reason.startswith(addresses.UNRESOLVED.split("{host}")[0] + "nowhere.example")
    assert connections == []


# --- the address guard -------------------------------------------------------------


def test_a_link_to_this_machine_is_refused_before_any_connection(
    site: LinkSite, connections: list[Any]
) -> None:
    site.pages["/"] = Page()
    result = checker.check_link(site.url("/"))
    reason = addresses.REFUSED_ADDRESS.format(host="127.0.0.1", address="127.0.0.1", kind="loopback")
    assert (result, connections, site.requests) == (checker.LinkResult(False, reason), [], [])


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("10.1.2.3", "private"),
        ("192.168.0.10", "private"),
        ("172.16.5.4", "private"),
        ("169.254.169.254", "link-local"),
        ("224.0.0.251", "multicast"),
        ("240.0.0.1", "reserved"),
        ("0.0.0.0", "unspecified"),  # noqa: S104
        ("100.64.0.1", "non-public"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fd00::1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
    ],
)
def test_a_name_resolving_to_a_non_public_address_is_refused(
    resolver: dict[str, Any], connections: list[Any], address: str, kind: str
) -> None:
    resolver[PUBLIC_NAME] = [PUBLIC_ADDRESS, address] if ":" not in address else [address]
    result = checker.check_link(f"https://{PUBLIC_NAME}/terms")
    reason = addresses.REFUSED_ADDRESS.format(host=PUBLIC_NAME, address=address, kind=kind)
    assert (result, connections) == (checker.LinkResult(False, reason), [])


def test_a_public_name_resolving_to_loopback_is_refused_by_default(
    site: LinkSite, resolver: dict[str, Any], connections: list[Any]
) -> None:
    site.pages["/"] = Page()
    resolver[PUBLIC_NAME] = ["127.0.0.1"]
    result = checker.check_link(site.url("/", host=PUBLIC_NAME))
    reason = addresses.REFUSED_ADDRESS.format(host=PUBLIC_NAME, address="127.0.0.1", kind="loopback")
    assert (result, connections, site.requests) == (checker.LinkResult(False, reason), [], [])


@pytest.mark.usefixtures("allow_private")
def test_the_setting_allows_it_and_the_checked_address_is_the_one_connected_to(
    site: LinkSite, resolver: dict[str, Any], connections: list[Any]
) -> None:
    site.pages["/"] = Page()
    resolver[PUBLIC_NAME] = ["127.0.0.1"]
    result = checker.check_link(site.url("/", host=PUBLIC_NAME))
    # One lookup (ours): the system resolver, which cannot resolve this name here, is never asked.
    assert (result.ok, resolver["__calls__"], connections) == (
        True,
        [PUBLIC_NAME],
        [("127.0.0.1", site.port)],
    )
    assert site.requests == [("/", f"{PUBLIC_NAME}:{site.port}")]


# --- redirects ---------------------------------------------------------------------


@pytest.mark.usefixtures("loopback_is_public")
def test_a_redirect_to_a_private_address_is_refused_at_that_hop(
    site: LinkSite, resolver: dict[str, Any], connections: list[Any]
) -> None:
    resolver["intranet.example"] = ["10.0.0.5"]
    site.pages["/start"] = redirect("http://intranet.example/admin")
    result = checker.check_link(site.url("/start"))
    reason = addresses.REFUSED_ADDRESS.format(host="intranet.example", address="10.0.0.5", kind="private")
    assert (result, connections) == (checker.LinkResult(False, reason), [("127.0.0.1", site.port)])


@pytest.mark.usefixtures("allow_private")
@pytest.mark.parametrize(("redirects", "ok"), [(5, True), (6, False)])
def test_at_most_five_redirects_are_followed(site: LinkSite, redirects: int, ok: bool) -> None:
    for hop in range(redirects):
        # Relative and absolute Locations, and every redirect status.
        target = f"/hop{hop + 1}" if hop % 2 else site.url(f"/hop{hop + 1}")
        site.pages[f"/hop{hop}"] = redirect(target, status=(301, 302, 303, 307, 308)[hop % 5])
    site.pages[f"/hop{redirects}"] = Page()
    result = checker.check_link(site.url("/hop0"))
    assert (result.ok, result.reason) == (
        ok,
        checker.PAGE_OK.format(status=200) if ok else checker.TOO_MANY_REDIRECTS,
    )
    assert len(site.requests) == min(redirects + 1, checker.MAX_REDIRECTS + 1)


@pytest.mark.usefixtures("allow_private")
def test_a_redirect_without_location_fails(site: LinkSite) -> None:
    site.pages["/"] = Page(status=302, body=b"", headers={})
    assert checker.check_link(site.url("/")).reason == checker.REDIRECT_WITHOUT_LOCATION.format(status=302)


# --- logos -------------------------------------------------------------------------


@pytest.mark.usefixtures("allow_private")
@pytest.mark.parametrize(
    ("page", "ok", "reason"),
    [
        (image(256, 256), True, checker.LOGO_OK.format(width=256, height=256, type="image/png")),
        (
            image(512, 512, "JPEG", "image/jpeg"),
            True,
            checker.LOGO_OK.format(width=512, height=512, type="image/jpeg"),
        ),
        (image(300, 200), False, checker.LOGO_NOT_SQUARE.format(width=300, height=200)),
        (image(64, 64), False, checker.LOGO_TOO_SMALL.format(width=64, height=64, minimum=128)),
        (SVG_LOGO, True, checker.SVG_OK),
        (Page(body=b"<html></html>", headers={"Content-Type": "image/svg+xml"}), False, checker.SVG_NOT_SVG),
    ],
    ids=["square-png", "square-jpeg", "300x200", "64x64", "svg", "svg-that-is-not"],
)
def test_logo(site: LinkSite, settings: Any, page: Page, ok: bool, reason: str) -> None:
    settings.PORTAL_LINK_CHECK_LOGO_MIN_PIXELS = 128
    site.pages["/logo"] = page
    assert checker.check_link(site.url("/logo"), logo=True) == checker.LinkResult(ok, reason, 200)


@pytest.mark.usefixtures("allow_private")
def test_the_smallest_logo_size_is_a_setting(site: LinkSite, settings: Any) -> None:
    settings.PORTAL_LINK_CHECK_LOGO_MIN_PIXELS = 32
    site.pages["/logo"] = image(64, 64)
    assert checker.check_link(site.url("/logo"), logo=True).ok


@pytest.mark.usefixtures("allow_private")
def test_a_logo_served_as_html_is_refused_by_its_type(site: LinkSite, settings: Any) -> None:
    site.pages["/logo"] = Page(headers={"Content-Type": "text/html; charset=utf-8"})
    reason = checker.LOGO_TYPE.format(
        content_type="text/html", accepted=", ".join(settings.PORTAL_LINK_CHECK_LOGO_TYPES)
    )
    assert checker.check_link(site.url("/logo"), logo=True) == checker.LinkResult(False, reason, 200)


@pytest.mark.usefixtures("allow_private")
def test_a_logo_whose_content_is_not_an_image_fails(site: LinkSite) -> None:
    site.pages["/logo"] = Page(body=b"not an image at all", headers={"Content-Type": "image/png"})
    result = checker.check_link(site.url("/logo"), logo=True)
    assert (result.ok, result.reason.split("(")[0]) == (False, checker.LOGO_UNREADABLE.split("(")[0])


@pytest.mark.usefixtures("allow_private")
def test_a_huge_logo_is_cut_at_the_cap(site: LinkSite, settings: Any) -> None:
    # The body never ends: only the cap can end the read before the timeout does.
    settings.PORTAL_LINK_CHECK_MAX_BYTES = 256 * 1024
    settings.PORTAL_LINK_CHECK_TIMEOUT = 5
    site.pages["/logo"] = Page(body=b"", headers={"Content-Type": "image/png"}, endless=True)
    started = time.monotonic()
    result = checker.check_link(site.url("/logo"), logo=True)
    assert result == checker.LinkResult(False, checker.LOGO_TOO_LARGE.format(limit=256 * 1024), 200)
    assert time.monotonic() - started < 4


@pytest.mark.usefixtures("allow_private")
def test_a_page_body_is_not_read(site: LinkSite, settings: Any) -> None:
    settings.PORTAL_LINK_CHECK_TIMEOUT = 3
    site.pages["/"] = Page(body=b"", endless=True)
    assert checker.check_link(site.url("/")).ok


# --- timeouts ----------------------------------------------------------------------


@pytest.mark.usefixtures("allow_private")
def test_a_server_slower_than_the_timeout_fails(site: LinkSite, settings: Any) -> None:
    settings.PORTAL_LINK_CHECK_TIMEOUT = 0.3
    site.pages["/"] = Page(delay=1.5)
    started = time.monotonic()
    result = checker.check_link(site.url("/"))
    assert result == checker.LinkResult(False, checker.TIMED_OUT.format(seconds=0.3, stage=AWAITING_HEADERS))
    assert time.monotonic() - started < 1.2


@pytest.mark.usefixtures("allow_private")
def test_the_timeout_covers_the_whole_redirect_chain(site: LinkSite, settings: Any) -> None:
    settings.PORTAL_LINK_CHECK_TIMEOUT = 0.5
    for hop in range(4):
        site.pages[f"/hop{hop}"] = Page(
            status=302, body=b"", headers={"Location": f"/hop{hop + 1}"}, delay=0.2
        )
    site.pages["/hop4"] = Page()
    assert checker.check_link(site.url("/hop0")).reason == checker.TIMED_OUT.format(
        seconds=0.5, stage=AWAITING_HEADERS
    )


@pytest.mark.usefixtures("allow_private")
def test_a_server_dripping_its_headers_is_stopped_at_the_deadline(site: LinkSite, settings: Any) -> None:
    # Each byte comes long before any read timeout; the whole head would take seconds.
    settings.PORTAL_LINK_CHECK_TIMEOUT = 0.5
    site.pages["/"] = Page(header_drip=0.05)
    started = time.monotonic()
    result = checker.check_link(site.url("/"))
    reason = checker.TIMED_OUT.format(seconds=0.5, stage=AWAITING_HEADERS)
    assert (result, time.monotonic() - started < 1.5) == (checker.LinkResult(False, reason), True)


@pytest.mark.usefixtures("allow_private")
def test_a_logo_dripping_its_body_is_stopped_at_the_deadline(site: LinkSite, settings: Any) -> None:
    settings.PORTAL_LINK_CHECK_TIMEOUT = 0.5
    logo = image(256, 256)
    site.pages["/logo"] = Page(body=logo.body, headers=logo.headers, body_drip=0.05)
    started = time.monotonic()
    result = checker.check_link(site.url("/logo"), logo=True)
    reason = checker.TIMED_OUT.format(seconds=0.5, stage=READING_BODY)
    assert (result, time.monotonic() - started < 1.5) == (checker.LinkResult(False, reason), True)


def test_a_host_name_that_resolves_slowly_is_given_up_at_the_deadline(
    settings: Any, monkeypatch: pytest.MonkeyPatch, connections: list[Any]
) -> None:
    settings.PORTAL_LINK_CHECK_TIMEOUT = 0.3
    monkeypatch.setattr(addresses, "resolve_host", lambda host, port: time.sleep(2) or [PUBLIC_ADDRESS])
    started = time.monotonic()
    result = checker.check_link("https://slow-dns.example/")
    reason = checker.TIMED_OUT.format(seconds=0.3, stage=RESOLVING)
    assert (result, time.monotonic() - started < 1.0, connections) == (
        checker.LinkResult(False, reason),
        True,
        [],
    )


@pytest.mark.usefixtures("allow_private")
def test_a_refused_connection_fails(settings: Any) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: the connection is refused
        result = checker.check_link(f"http://127.0.0.1:{port}/")
    assert (result.ok, result.reason.split("(")[0]) == (
        False,
        checker.CONNECTION_FAILED.format(host="127.0.0.1", error="").split("(")[0],
    )


# --- https: the checked address, the URL's name -------------------------------------


def _certificate_authority(tmp_path: Any, name: str) -> tuple[str, ssl.SSLContext]:
    """A throwaway CA (its PEM file) and a server context with its certificate for `name`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)

    def certificate(subject: str, key: Any, issuer: str, signer: Any, *, ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_cert = certificate("Link check test CA", ca_key, "Link check test CA", ca_key, ca=True)
    server_cert = certificate(name, server_key, "Link check test CA", ca_key, ca=False)
    ca_file, chain_file, key_file = tmp_path / "ca.pem", tmp_path / "server.pem", tmp_path / "server.key"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    chain_file.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain_file, key_file)
    return str(ca_file), context


@pytest.fixture
def tls_site(
    tmp_path: Any, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LinkSite]:
    """An https site with a certificate for the name given by the test (default PUBLIC_NAME), trusted."""
    name = getattr(request, "param", PUBLIC_NAME)
    ca_file, context = _certificate_authority(tmp_path, name)
    monkeypatch.setattr(checker.certifi, "where", lambda: ca_file)
    site = LinkSite(tls=context)
    site.pages["/"] = Page()
    yield site
    site.close()


@pytest.mark.usefixtures("allow_private")
def test_https_goes_to_the_checked_address_with_the_urls_name_in_sni_and_host(
    tls_site: LinkSite, resolver: dict[str, Any], connections: list[Any]
) -> None:
    resolver[PUBLIC_NAME] = ["127.0.0.1"]
    result = checker.check_link(tls_site.url("/", host=PUBLIC_NAME))
    assert (result.ok, connections, tls_site.server_names) == (
        True,
        [("127.0.0.1", tls_site.port)],
        [PUBLIC_NAME],
    )
    assert tls_site.requests == [("/", f"{PUBLIC_NAME}:{tls_site.port}")]


@pytest.mark.usefixtures("allow_private")
@pytest.mark.parametrize("tls_site", ["other.example"], indirect=True)
def test_https_with_a_certificate_for_another_name_fails(
    tls_site: LinkSite, resolver: dict[str, Any]
) -> None:
    resolver[PUBLIC_NAME] = ["127.0.0.1"]
    result = checker.check_link(tls_site.url("/", host=PUBLIC_NAME))
    assert (result.ok, result.reason.split("(")[0]) == (
        False,
        checker.TLS_FAILED.format(host=PUBLIC_NAME, error="").split("(")[0],
    )
    assert tls_site.requests == []
