"""Who the client is: X-Forwarded-* is believed from a trusted proxy only, and never what the client wrote."""

from __future__ import annotations

import ipaddress

from multidict import CIMultiDict

from parley.web.http import forwarded

NGINX = (ipaddress.ip_network("10.0.0.5/32"),)


def test_untrusted_peer_is_ignored() -> None:
    headers = CIMultiDict({"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https"})
    assert forwarded(("203.0.113.9", 5555), headers, NGINX) == {}
    assert forwarded(("10.0.0.5", 5555), headers, ()) == {}


def test_trusted_proxy_names_the_client() -> None:
    headers = CIMultiDict({"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"})
    assert forwarded(("10.0.0.5", 1), headers, NGINX) == {"remote": "198.51.100.7", "scheme": "https"}


def test_client_written_hops_are_not_believed() -> None:
    # The client sent "X-Forwarded-For: 6.6.6.6"; nginx appended the address it saw.
    headers = CIMultiDict({"X-Forwarded-For": "6.6.6.6, 198.51.100.7"})
    assert forwarded(("10.0.0.5", 1), headers, NGINX) == {"remote": "198.51.100.7"}


def test_garbage_is_ignored() -> None:
    headers = CIMultiDict({"X-Forwarded-For": "not-an-ip", "X-Forwarded-Proto": "gopher"})
    assert forwarded(("10.0.0.5", 1), headers, NGINX) == {}
