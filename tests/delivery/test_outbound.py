"""The SSRF guard: a receiver's host name is resolved once, checked, and connected to."""

from __future__ import annotations

import socket

from actions.delivery.outbound import Refused, post, resolve


def rebinding_resolver(monkeypatch, answers):
    """``hooks.example`` resolves to each of ``answers`` in turn (a DNS rebinding attack)."""
    asked = []
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "hooks.example":
            return real(host, port, *args, **kwargs)
        asked.append(host)
        address = answers[min(len(asked), len(answers)) - 1]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_the_connection_goes_to_the_address_that_was_checked(monkeypatch, receiver):
    asked = rebinding_resolver(monkeypatch, ["127.0.0.1", "10.255.255.1"])
    port = receiver.server.server_port
    url = f"http://hooks.example:{port}/hook"
    address = resolve(url, allow_private=True)
    outcome = post(url, "[]", {"Content-Type": "application/json"}, 2, address)
    assert (address, outcome.code, len(asked)) == ("127.0.0.1", 200, 1)
    assert receiver.calls[0][0]["host"] == f"hooks.example:{port}"


def test_a_name_that_resolves_to_a_private_address_is_refused(monkeypatch):
    rebinding_resolver(monkeypatch, ["10.0.0.7"])
    assert resolve("https://hooks.example/", allow_private=False) == Refused(
        "a loopback or private address")


def test_a_name_that_does_not_resolve_is_refused_even_where_private_ones_are_allowed():
    assert resolve("https://no-such-host.invalid/", allow_private=True) == Refused(
        "the host name does not resolve")
