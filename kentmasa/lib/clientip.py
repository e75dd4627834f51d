"""The address of the person at the other end, for rate limits and lock-outs.

Without a proxy it is the connection's address (REMOTE_ADDR). Behind proxies, X-Forwarded-For is
"what the client claimed, ..., what our first proxy saw": every proxy appends the address it received the
request from, so only the entries our own proxies appended can be believed. With
``KENTMASA_TRUSTED_PROXIES = N`` the Nth address from the right is the client: 1 behind one load balancer,
2 behind a CDN and a load balancer. Anything to the left of it may be made up by the client.

django-ratelimit calls ``client_ip`` through ``RATELIMIT_IP_META_KEY`` (a dotted path).
"""

import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest


def _address(text: str) -> str | None:
    """The address in one X-Forwarded-For entry, or None. Tolerates a port ("1.2.3.4:80", "[::1]:80")."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the entry our Nth trusted proxy appended to X-Forwarded-For."""
    remote: str = request.META.get("REMOTE_ADDR") or ""
    address = remote
    trusted = int(getattr(settings, "KENTMASA_TRUSTED_PROXIES", 0) or 0)
    if trusted > 0:
        hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        # Fewer entries than proxies: the request did not pass through all of ours (or one does not
        # append), so the connection's address is the best we know. An entry our own proxy wrote is an
        # address; if it is not, fall back too rather than fail the request.
        if len(hops) >= trusted:
            address = _address(hops[-trusted]) or remote
    if not address:
        raise ImproperlyConfigured(
            "No client address: REMOTE_ADDR is empty (a Unix socket?) and KENTMASA_TRUSTED_PROXIES "
            "does not name an X-Forwarded-For entry."
        )
    return address


def client_network(address: str) -> str:
    """What per-client limits count: an IPv4 address as it is, an IPv6 address by its /64 network.

    One IPv6 subscriber holds a whole /64 (2^64 addresses); counting single addresses would give them an
    endless budget (django-ratelimit masks IPv6 to /64 for the same reason).
    """
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
