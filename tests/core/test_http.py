"""The client address behind trusted proxies: X-Forwarded-For only from them, read from the right."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from core.http import MAX_FORWARDED_HOPS, client_address, trusted_networks

PROXY = "10.0.0.1"
CLIENT = "203.0.113.7"


def address(*, remote: str, forwarded: str | None = None) -> str | None:
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", **headers))


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        pytest.param([], PROXY, CLIENT, PROXY, id="no-trusted-proxies-header-ignored"),
        pytest.param([PROXY], "198.51.100.9", CLIENT, "198.51.100.9", id="spoofed-by-an-untrusted-peer"),
        pytest.param([PROXY], PROXY, CLIENT, CLIENT, id="one-trusted-proxy"),
        pytest.param([PROXY], PROXY, None, PROXY, id="trusted-proxy-without-header"),
        pytest.param(
            [PROXY], PROXY, f"192.0.2.66, {CLIENT}", CLIENT, id="client-made-up-entries-on-the-left"
        ),
        pytest.param(
            ["10.0.0.0/8"], PROXY, f"192.0.2.66, {CLIENT}, 10.0.0.2, 10.0.0.3", CLIENT, id="chain-of-proxies"
        ),
        pytest.param(
            [PROXY, "10.0.0.2"],
            PROXY,
            f"{CLIENT}, 10.0.0.9, 10.0.0.2",
            "10.0.0.9",
            id="untrusted-hop-in-chain",
        ),
        pytest.param(["10.0.0.0/8"], PROXY, "10.0.0.5, 10.0.0.2", "10.0.0.5", id="every-hop-trusted"),
        pytest.param([PROXY], PROXY, f"{CLIENT}:51234", CLIENT, id="ipv4-with-port"),
        pytest.param([PROXY], PROXY, "[2001:db8::7]:443", "2001:db8::7", id="ipv6-with-port"),
        pytest.param([PROXY], PROXY, " 2001:db8::7 ", "2001:db8::7", id="ipv6-with-spaces"),
        pytest.param(["::1"], "::1", CLIENT, CLIENT, id="ipv6-proxy"),
        pytest.param([PROXY], f"::ffff:{PROXY}", CLIENT, CLIENT, id="ipv4-mapped-proxy-address"),
        pytest.param([PROXY], PROXY, f"::ffff:{CLIENT}", CLIENT, id="ipv4-mapped-client"),
        pytest.param([PROXY], PROXY, "not-an-address", PROXY, id="garbage"),
        pytest.param([PROXY], PROXY, "", PROXY, id="empty-header"),
        pytest.param([PROXY], PROXY, f"{CLIENT}, unknown", PROXY, id="garbage-on-the-right"),
        pytest.param([PROXY], PROXY, f"{CLIENT},,", PROXY, id="empty-entries"),
        pytest.param([PROXY], PROXY, "203.0.113.7\x00", PROXY, id="nul-byte"),
        pytest.param([PROXY], PROXY, "999.1.1.1", PROXY, id="out-of-range-octet"),
        pytest.param([PROXY], PROXY, "<script>", PROXY, id="markup"),
    ],
)
def test_client_address(settings, trusted, remote, forwarded, expected):
    settings.PORTAL_TRUSTED_PROXIES = trusted
    assert address(remote=remote, forwarded=forwarded) == expected


def test_a_huge_header_is_read_only_so_far_from_the_right(settings):
    settings.PORTAL_TRUSTED_PROXIES = ["10.0.0.0/8"]
    hops = [CLIENT] + ["10.0.0.2"] * (MAX_FORWARDED_HOPS * 1000)
    # Every hop within reach is a trusted proxy: the left-most one reached is the answer.
    assert address(remote=PROXY, forwarded=", ".join(hops)) == "10.0.0.2"


def test_an_unreadable_remote_address_is_unknown(settings):
    settings.PORTAL_TRUSTED_PROXIES = [PROXY]
    assert address(remote="", forwarded=CLIENT) is None


@pytest.mark.parametrize("value", ["10.0.0.300", "proxy.internal", "10.0.0.0/33"])
def test_a_bad_trusted_proxy_entry_is_named(value):
    with pytest.raises(ValueError, match=value.replace(".", r"\.")):
        trusted_networks(["10.0.0.1", value])
