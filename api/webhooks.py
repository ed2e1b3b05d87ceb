"""Webhook HTTP: where deliveries may go, and the POST that never follows a redirect.

A redirect is a failure, logged and retried like any other: following a 301/302 turns the POST
into a GET without the body, and the 200 that comes back would mark an event delivered that
nobody received. Targets must be public addresses: loopback, private, link-local (cloud
metadata), shared and reserved ranges are refused when the URL is set and again at every
delivery, on the addresses the name resolves to then, and the connection goes to the address
that was checked (a name cannot be re-pointed in between). ``DISPATCH_WEBHOOK_ALLOW_PRIVATE``
lifts this for tests and receivers on the same network.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Mapping
from urllib.parse import urlsplit

from dispatch.errors import InvalidInput

_READ_LIMIT = 65536
_HINT = "set DISPATCH_WEBHOOK_ALLOW_PRIVATE=true to allow it"


class DeliveryFailed(Exception):
    """The receiver did not take the event (the message says why)."""


def _addresses(host: str, port: int) -> list[str]:
    """The IP addresses ``host`` stands for (itself when it is one)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _refusal(host: str, address: str) -> str | None:
    """Why ``address`` (of ``host``) may not receive webhooks, or None when it may."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if ip.is_global and not ip.is_multicast:
        return None
    kind = "loopback" if ip.is_loopback else "link-local" if ip.is_link_local else "private"
    shown = host if host == address else f"{host} ({address})"
    return f"{shown} is a {kind} or reserved address; {_HINT}"


def check_target(url: str, *, allow_private: bool) -> None:
    """Refuse a webhook URL whose host is, or resolves to, a non-public address.

    A name that does not resolve now is accepted (it is checked again at each delivery).

    Raises
    ------
    InvalidInput
        On ``url``, naming the host and the kind of address.
    """
    if allow_private:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        addresses = _addresses(host, parts.port or 443)
    except (OSError, UnicodeError):
        return
    for address in addresses:
        reason = _refusal(host, address)
        if reason is not None:
            raise InvalidInput("url", reason)


class _Pinned(http.client.HTTPConnection):
    """HTTP to a checked address, with the URL's host in the Host header."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedTLS(http.client.HTTPSConnection):
    """HTTPS to a checked address; the certificate is verified for the URL's host."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


def post(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    timeout_s: float = 5.0,
    allow_private: bool = False,
) -> None:
    """The outbox's sender: POST ``body`` to ``url``; only a 2xx answer counts as delivered.

    Raises
    ------
    DeliveryFailed
        For a refused target, a redirect (never followed) or any other non-2xx answer.
    OSError
        For network errors and timeouts.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    tls = parts.scheme == "https"
    port = parts.port or (443 if tls else 80)
    addresses = _addresses(host, port)
    if not allow_private:
        for candidate in addresses:
            reason = _refusal(host, candidate)
            if reason is not None:
                raise DeliveryFailed(f"target refused: {reason}")
    kind = _PinnedTLS if tls else _Pinned
    connection = kind(host, port, addresses[0], timeout_s)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=dict(headers))
        response = connection.getresponse()
        response.read(_READ_LIMIT)
    finally:
        connection.close()
    if 300 <= response.status < 400:
        where = response.getheader("Location", "nowhere")
        raise DeliveryFailed(f"HTTP {response.status} redirect to {where} not followed")
    if not 200 <= response.status < 300:
        raise DeliveryFailed(f"HTTP {response.status} {response.reason}")
