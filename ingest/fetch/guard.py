"""Where a URL that came from content may connect: never to a loopback, link-local,
private, multicast or unspecified address unless the operator allow-listed its host:port.

The check runs inside the connection itself (an httpcore network backend): the name is
resolved once, every address it resolves to is checked, and the socket is opened to one
of exactly those addresses. A DNS answer that changes between a check and the connection
(DNS rebinding) therefore cannot slip through: there is no second look-up.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class AddressRefused(Exception):
    """A URL from content (or a redirect) led to an address on the operator's side."""

    def __init__(self, host: str, address: str) -> None:
        where = host if host == address else f"{host} ({address})"
        super().__init__(f"refused to connect to {where}: not a public address")
        self.host = host
        self.address = address


def internal(address: IPAddress) -> bool:
    """Loopback, link-local, private, multicast, unspecified or reserved, IPv4 or IPv6,
    including IPv4 addresses carried inside IPv6 (mapped, NAT64, 6to4, Teredo)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is not None and internal(embedded):
            return True
        if address.is_site_local:
            return True
    return (
        address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
        or not address.is_global
    )


Resolver = Callable[[str, int], Awaitable[list[str]]]


async def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, in the resolver's order, without duplicates."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks and connects to the checked address, in that order, once.

    `resolver` and `refuse` are parameters so that a test can play a rebinding DNS server
    on loopback addresses; production uses the system resolver and `internal`.
    """

    def __init__(
        self,
        allowed: frozenset[str] = frozenset(),
        *,
        resolver: Resolver = resolve,
        refuse: Callable[[IPAddress], bool] = internal,
    ) -> None:
        self.allowed = allowed
        self.resolver = resolver
        self.refuse = refuse
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        name = host.strip("[]").lower()
        if f"{name}:{port}" in self.allowed:
            return await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        try:
            addresses = await self.resolver(name, port)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"cannot resolve {name}: {exc}") from exc
        for address in addresses:
            # Any internal answer refuses the name: a public address listed beside it
            # would only hide which one the connection ends up using.
            if self.refuse(ipaddress.ip_address(address.split("%")[0])):
                raise AddressRefused(name, address)
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        raise last or httpcore.ConnectError(f"no address for {name}")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport whose every connection goes through a `GuardedBackend`."""

    def __init__(self, *, limits: httpx.Limits, backend: GuardedBackend | None = None) -> None:
        super().__init__(limits=limits, trust_env=False)
        # httpx offers no network_backend argument; its pool does (httpcore 1.x).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend or GuardedBackend(),
        )
