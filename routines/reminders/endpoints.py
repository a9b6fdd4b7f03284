"""Which push endpoints this server may post to, and the addresses it may connect to for them.

The server posts to whatever address a browser's subscription names, so an endpoint is a way
to make it send requests: outside development, never to this machine, a private network or a
cloud metadata address (SSRF). Checked twice with the same rules: when a device subscribes
(`check_syntax`, then `resolve`) and at every send (`vet_endpoint`, both), whose vetted
addresses are then the only ones the transport connects to (see `push._PinnedPost`), so
a DNS answer that changes between the check and the connection cannot reach an internal
address.

Outside development an endpoint is `https` on port 443, with a host name (no IP literal) and
no user name or password, and every address the name resolves to is public. Loopback
addresses and plain http are accepted only with `DEBUG` on (local development) or with the
test suite's `PUSH_TEST_LOCAL_ENDPOINTS` (set in project/settings_test.py only; production
settings never read it from the environment). `PUSH_ALLOWED_HOSTS` can restrict endpoints to
the browsers' push services.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Never connected to, whatever `ipaddress` says of them: private, shared (CGNAT), loopback,
#: link-local (cloud metadata), documentation, benchmarking, multicast, reserved, and the
#: IPv6 forms that reach IPv4 or the local network (IPv4-mapped, NAT64, 6to4, Teredo, ULA).
BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/128",
        "::1/128",
        "::/96",  # IPv4-compatible (deprecated)
        "::ffff:0:0/96",  # IPv4-mapped
        "64:ff9b::/96",  # NAT64
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard
        "2001::/23",  # IETF protocol assignments, Teredo among them
        "2001:db8::/32",
        "2002::/16",  # 6to4
        "fc00::/7",  # unique local
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
)


#: Names that are internal by convention, refused before they are even looked up.
INTERNAL_SUFFIXES = (
    ".localhost",
    ".local",
    ".localdomain",
    ".internal",
    ".intranet",
    ".lan",
    ".home.arpa",
    ".svc",
    ".cluster.local",
    ".consul",
)


class UnsafeEndpoint(ValueError):
    """This server must not post to the endpoint; the message says why, for the person."""


@dataclass(frozen=True)
class Target:
    """A checked endpoint: connect only to `addresses`, saying `host` (Host header, SNI)."""

    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]


def local_endpoints_allowed() -> bool:
    """Loopback and plain-http endpoints: development (DEBUG) and the test suite only."""
    return bool(settings.DEBUG or settings.PUSH_TEST_LOCAL_ENDPOINTS)


def public_address(address: Address) -> bool:
    """Whether the address is one any public push service could have."""
    if any(address in net for net in BLOCKED_NETWORKS if net.version == address.version):
        return False
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_reserved
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
    )


def _allowed(address: Address, *, local: bool) -> bool:
    return public_address(address) or (local and address.is_loopback)


def _host_listed(host: str) -> bool:
    allowed = [h.strip().lower().rstrip(".") for h in settings.PUSH_ALLOWED_HOSTS if h.strip()]
    if not allowed:
        return True
    for entry in allowed:
        if entry.startswith("*."):
            if host.endswith(entry[1:]):
                return True
        elif host == entry:
            return True
    return False


def check_syntax(endpoint: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an endpoint this server may post to; UnsafeEndpoint if not."""
    if any(ord(c) < 0x21 or 0x7F <= ord(c) <= 0x9F for c in endpoint):
        raise UnsafeEndpoint("The endpoint contains spaces or control characters.")
    local = local_endpoints_allowed()
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError as error:
        raise UnsafeEndpoint("The endpoint is not a valid web address.") from error
    scheme = parts.scheme.lower()
    if scheme != "https" and not (local and scheme == "http"):
        raise UnsafeEndpoint("The endpoint must use https.")
    if "@" in parts.netloc:
        raise UnsafeEndpoint("The endpoint must not contain a user name or password.")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise UnsafeEndpoint("The endpoint is not a valid web address.")
    try:
        literal: Address | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if not local:
        if port not in (None, 443):
            raise UnsafeEndpoint("The endpoint must be a public push service (port 443).")
        if literal is not None or "." not in host:
            raise UnsafeEndpoint("The endpoint must be a public push service, named, not an IP.")
        if host == "localhost" or host.endswith(INTERNAL_SUFFIXES):
            raise UnsafeEndpoint("The endpoint must be a public push service.")
    elif literal is not None and not _allowed(literal, local=True):
        raise UnsafeEndpoint("The endpoint must be a public push service.")
    if not _host_listed(host):
        raise UnsafeEndpoint("The endpoint is not one of the browsers' push services.")
    return scheme, host, port or (443 if scheme == "https" else 80)


def _lookup(host: str, port: int) -> list[Any]:
    """`getaddrinfo`, within PUSH_CONNECT_TIMEOUT_SECONDS: a name server that never answers
    (one an attacker runs for their own domain) must not hold a web request or a sending
    thread. The lookup itself cannot be cancelled: it goes on in a thread of its own, which
    ends when the system resolver gives up."""
    found: list[Any] = []
    failed: list[BaseException] = []
    done = threading.Event()

    def look_up() -> None:
        try:
            found.extend(
                socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
            )
        except BaseException as error:  # handed to the caller below
            failed.append(error)
        finally:
            done.set()

    threading.Thread(target=look_up, name="push-dns", daemon=True).start()
    if not done.wait(settings.PUSH_CONNECT_TIMEOUT_SECONDS):
        raise UnsafeEndpoint("The endpoint's push service did not answer in time.")
    if failed:
        error = failed[0]
        if isinstance(error, OSError | UnicodeError):
            raise UnsafeEndpoint("The endpoint's push service could not be found.") from error
        raise error
    return found


def resolve(host: str, port: int) -> tuple[str, ...]:
    """The host's addresses, every one of them checked; UnsafeEndpoint if any is not public
    (a name that also resolves to an internal address is refused as a whole)."""
    local = local_endpoints_allowed()
    infos = _lookup(host, port)
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        text = str(sockaddr[0]).split("%", 1)[0]
        try:
            address = ipaddress.ip_address(text)
        except ValueError as error:
            raise UnsafeEndpoint("The endpoint's push service could not be found.") from error
        if not _allowed(address, local=local):
            raise UnsafeEndpoint("The endpoint must be a public push service.")
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        raise UnsafeEndpoint("The endpoint's push service could not be found.")
    return tuple(addresses)


def vet_endpoint(endpoint: str) -> Target:
    """Check the endpoint and resolve it now: the addresses to connect to, or UnsafeEndpoint."""
    scheme, host, port = check_syntax(endpoint)
    return Target(scheme, host, port, resolve(host, port))
