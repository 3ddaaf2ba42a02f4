"""The client's address behind an optional reverse proxy (rate limits per address).

``X-Forwarded-For`` is only believed when the direct peer is a trusted proxy
(OCO_TRUSTED_PROXIES: addresses or networks, default the loopback addresses, where a
local nginx runs). The list is then read from the right, skipping trusted hops; the
first untrusted address is the client. A client behind an untrusted peer cannot choose
its address by sending the header itself.
"""

from __future__ import annotations

import ipaddress
import logging
from functools import lru_cache
from typing import Iterable, Union

logger = logging.getLogger(__name__)

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
DEFAULT_TRUSTED_PROXIES = "127.0.0.1,::1"


@lru_cache(maxsize=16)
def parse_networks(value: str) -> tuple[Network, ...]:
    """'127.0.0.1, 10.0.0.0/8' -> networks; malformed entries are skipped with a warning."""
    networks = []
    for item in (value or "").split(","):
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            logger.warning("OCO_TRUSTED_PROXIES: ignoring an entry that is not an address or network.")
    return tuple(networks)


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "1.2.3.4:5678"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: Iterable[Network]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_address(peer: str, forwarded_for: str | None, trusted_proxies: str) -> str:
    """The client's address as text (for rate limits; never logged).

    ``peer`` is the socket's remote address. Unparseable peers are returned as given.
    """
    peer_address = _address(peer or "")
    if peer_address is None:
        return peer or "unknown"
    networks = parse_networks(trusted_proxies)
    if not forwarded_for or not _trusted(peer_address, networks):
        return str(peer_address)
    for hop in reversed(forwarded_for.split(",")):
        address = _address(hop)
        if address is None:
            break  # garbage written by someone we do not trust: stop here
        if not _trusted(address, networks):
            return str(address)
        peer_address = address
    return str(peer_address)


def is_local(address: str) -> bool:
    """True for a loopback address (a process on this machine)."""
    parsed = _address(address)
    return parsed is not None and parsed.is_loopback
