"""A fake resolver for push endpoint checks: names map to the addresses a test chooses.

Nothing is ever sent to the addresses: tests that post use 127.0.0.1 only.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping
from typing import Any

import pytest

#: A public-looking address for names of the browsers' push services in subscribe tests.
PUBLIC_ADDRESS = "142.250.1.1"
PUSH_SERVICES = ("fcm.googleapis.com", "push.example.com", "updates.push.services.mozilla.com")


def fake_dns(
    monkeypatch: pytest.MonkeyPatch,
    answers: Mapping[str, str | list[str]] | Callable[[str], list[str]],
) -> list[str]:
    """Answer `socket.getaddrinfo` for the names in `answers`; other names go to the real
    resolver. Returns the list of names asked, in order."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        asked.append(name)
        found = answers(name) if callable(answers) else answers.get(name)
        if found is None:
            return real(host, port, *args, **kwargs)
        result = []
        for address in [found] if isinstance(found, str) else found:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sockaddr = (
                (address, int(port or 0), 0, 0) if ":" in address else (address, int(port or 0))
            )
            result.append((family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr))
        return result

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked
