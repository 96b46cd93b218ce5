"""A socket guard for tests: any connection to a non-loopback address raises at once."""

from __future__ import annotations

import ipaddress
import os
import socket

GUARD_ENV = "COURSE_NETWORK_GUARD"
_original_connect = socket.socket.connect
_original_connect_ex = socket.socket.connect_ex


class NetworkBlocked(OSError):
    """Raised when code under test tries to reach the network."""


def _is_loopback(address: object) -> bool:
    if isinstance(address, str | bytes):  # AF_UNIX path
        return True
    host = address[0] if isinstance(address, tuple) and address else ""
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _is_loopback(address):
        raise NetworkBlocked(f"network access to {address!r} is blocked: the course runs offline in tests")
    return _original_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if not _is_loopback(address):
        raise NetworkBlocked(f"network access to {address!r} is blocked: the course runs offline in tests")
    return _original_connect_ex(self, address)


def install() -> None:
    """Block every non-loopback socket connection in this process."""
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


def uninstall() -> None:
    """Restore normal socket connections."""
    socket.socket.connect = _original_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _original_connect_ex  # type: ignore[method-assign]


def install_if_requested() -> None:
    """Install the guard when $COURSE_NETWORK_GUARD=1 (the test session sets it for notebook kernels)."""
    if os.environ.get(GUARD_ENV) == "1":
        install()
