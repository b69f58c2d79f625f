"""IP addresses and CIDR blocks the way event-ruler reads them."""

from __future__ import annotations

import ipaddress
import re

_IPV4 = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
_IPV6 = re.compile(r"[0-9a-fA-F:]*:[0-9a-fA-F:]*")
_JAVA_INT = re.compile(r"[+-]?[0-9]+")


class CidrError(Exception):
    """Ruler's IllegalArgumentException text; AWS returns it without a parser location."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def looks_like_ip(text: str) -> bool:
    return bool(_IPV4.fullmatch(text) or _IPV6.fullmatch(text))


def ip_value(text: str) -> tuple[int, int] | None:
    """(4 or 6, integer address) when ruler would treat the string as an IP address literal."""
    if _IPV4.fullmatch(text):
        octets = text.split(".")
        if all(len(o) <= 10 and int(o) <= 255 for o in octets):
            return 4, int(ipaddress.IPv4Address(".".join(str(int(o)) for o in octets)))
        return None
    if _IPV6.fullmatch(text):
        try:
            return 6, int(ipaddress.IPv6Address(text))
        except ValueError:
            return None
    return None


def _address_bytes(text: str) -> tuple[int, int]:
    if not looks_like_ip(text):
        raise CidrError(f"Nonstandard IP address: {text}")
    value = ip_value(text)
    if value is None:
        raise CidrError(f"Invalid IP address: {text}")
    return value


def parse_cidr(text: str) -> tuple[int, int, int]:
    """(version, low, high) of a ruler CIDR: the whole block, from the network floor up, even when
    the address is written with a host part (event-ruler's CIDR.computeBottomBytes, since #89)."""
    parts = text.split("/")
    while parts and parts[-1] == "":
        parts.pop()
    if len(parts) != 2:
        raise CidrError("Malformed CIDR, one '/' required")
    if not _JAVA_INT.fullmatch(parts[1]) or not -(2**31) <= int(parts[1]) < 2**31:
        raise CidrError("Malformed CIDR, mask bits must be an integer")
    mask_bits = int(parts[1])
    if mask_bits < 0:
        raise CidrError("Malformed CIDR, mask bits must not be negative")
    version, low = _address_bytes(parts[0])
    width = 32 if version == 4 else 128
    if mask_bits > width - 1:
        raise CidrError(f"IPv{version} mask bits must be < {width}")
    host_mask = (1 << (width - mask_bits)) - 1
    return version, low & ~host_mask, low | host_mask
