"""The SSRF guard refuses every spelling of a private or loopback IPv4 address, IPv6 forms
included (mapped, compatible, translated, NAT64, 6to4, Teredo, site-local), through the same
check that webhooks and deliveries use."""

from __future__ import annotations

from unittest import mock

import pytest

from actions.delivery.outbound import Refused, is_public, resolve

PRIVATE_IPV6 = [
    "::ffff:0:7f00:1",  # IPv4-translated 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254 (cloud metadata)
    "64:ff9b::7f00:1", "64:ff9b:1::a00:1",  # NAT64, well-known and local-use prefixes
    "2002:7f00:1::", "2002:a9fe:a9fe::1", "2002:0a00:0001::1",  # 6to4 of private addresses
    "fec0::1",  # site-local
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:a9fe:a9fe",  # IPv4-mapped
    "::127.0.0.1", "::a9fe:a9fe", "::10.0.0.1",  # IPv4-compatible
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo (its client is 127.0.0.1)
    "::", "::1", "fe80::1", "fe80::1%eth0", "fc00::1", "fd12::1", "ff02::1", "100::1",
]
PUBLIC = ["93.184.215.14", "2606:4700::6810:84e5", "::ffff:93.184.215.14",
          "64:ff9b::5db8:d70e", "2002:5db8:d70e::1"]


@pytest.mark.parametrize("address", PRIVATE_IPV6)
def test_ipv6_forms_of_private_addresses_are_refused(address):
    assert not is_public(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_and_their_ipv6_forms_are_allowed(address):
    assert is_public(address)


@pytest.mark.parametrize("address", PRIVATE_IPV6)
def test_a_name_resolving_to_one_is_refused(address):
    answer = [(10, 1, 6, "", (address.split("%")[0], 443, 0, 0))]
    with mock.patch("socket.getaddrinfo", return_value=answer):
        assert resolve("https://rebind.example/", allow_private=False) == Refused(
            "a loopback or private address")
