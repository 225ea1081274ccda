"""Client addresses behind trusted proxies, and fixed-window rate limits kept in the cache (Redis when configured)."""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings
from django.http import HttpRequest
from redis import RedisError

from patriot.core.shared_cache import shared_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address `value` names, or None. Every request parses its peer's address two or three times (the proxy
    middleware, the request id, a rate limit), so short values — all an address can be — are remembered."""
    return _parse_short(value) if len(value) <= _LONGEST_ADDRESS else _parse_address(value)


# "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" is 45 characters; a little room for surrounding spaces.
_LONGEST_ADDRESS = 64


def _parse_address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    # An IPv4 client on a dual-stack socket arrives as ::ffff:a.b.c.d; count it as the IPv4 address it is.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


# The addresses are immutable values; a bounded cache, since X-Forwarded-For hops are whatever a client wrote.
_parse_short = functools.lru_cache(maxsize=1024)(_parse_address)


def is_trusted_proxy(address: str) -> bool:
    """Whether `address` is one of PATRIOT_TRUSTED_PROXIES (addresses or networks), whose forwarding headers count."""
    proxies = settings.PATRIOT_TRUSTED_PROXIES
    if not proxies:  # no proxy trusted (no forwarding header counts): nothing to parse
        return False
    parsed = _parse(address)
    if parsed is None:
        return False
    return any(parsed in network for network in _networks(tuple(proxies)))


def client_address(request: HttpRequest) -> str:
    """The address rate limits and the login throttle count against.

    The direct peer, unless it is a trusted proxy: then the right-most X-Forwarded-For entry that is not itself a
    trusted proxy (each proxy appends the address it received the request from, so entries to its left are
    whatever the client wrote). Uvicorn must not rewrite the peer itself (`--no-proxy-headers`), or a client on a
    host uvicorn trusts could pick any address it likes.
    """
    peer = request.META.get("REMOTE_ADDR", "")
    if not is_trusted_proxy(peer):
        return _normalised(peer)
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    nearest = peer
    for hop in reversed(hops):
        if _parse(hop) is None:
            # A broken chain: the last proxy we trust handed on something that is no address; count that proxy.
            break
        nearest = hop
        if not is_trusted_proxy(hop):
            break
    return _normalised(nearest)


def _normalised(address: str) -> str:
    parsed = _parse(address)
    return str(parsed) if parsed is not None else (address.strip() or "unknown")


def hit(scope: str, key: str, limit: int, window_seconds: int = 60) -> bool:
    """Count one hit; True while the caller is within `limit` hits for the current window.

    With the cache (Redis) down the limit is not enforced: a flood guard must not stop reports coming in. The
    outage is logged once by core.redis_health, not on every request.
    """
    # The window opens with the first hit and closes `window_seconds` later (the key's expiry; incr keeps it): no
    # clock-aligned boundary in the middle of a burst that would reset the count.
    cache_key = f"ratelimit:{scope}:{key}:{window_seconds}"
    cache = shared_cache()
    try:
        try:
            # Within an open window (nearly every hit) counting is all there is to do; add() first cost another
            # operation per hit.
            count = cache.incr(cache_key)
        except ValueError:  # no window open
            if cache.add(cache_key, 1, timeout=window_seconds):
                return True
            try:  # another request opened it meanwhile
                count = cache.incr(cache_key)
            except ValueError:
                cache.set(cache_key, 1, timeout=window_seconds)
                count = 1
    except RedisError:
        return True
    return count <= limit
