"""Rate limits by station and by address: an IPv6 /64 is one address, idle buckets are forgotten."""

from __future__ import annotations

from liaison_desk.relay.limits import RateLimit, TokenBuckets, address_key
from tests.relay.in_process import ManualClock


def test_an_ipv6_address_counts_by_its_64_and_an_ipv4_address_by_itself() -> None:
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:ffff::9")
    assert address_key("2001:db8:1:2::1") != address_key("2001:db8:1:3::1")
    assert address_key("192.0.2.7") == "192.0.2.7" != address_key("192.0.2.8")


def test_buckets_full_again_are_forgotten_when_too_many_are_remembered() -> None:
    clock = ManualClock()
    buckets = TokenBuckets(RateLimit(per_second=1.0, burst=2), clock, max_keys=3)
    for key in ("a", "b", "c"):
        buckets.take(key)
    clock.advance(1.0)
    assert [buckets.take("busy") for _ in range(3)][-1] > 0  # emptied
    clock.advance(1.5)  # "a", "b" and "c" have been full for a while; "busy" is not yet
    assert buckets.take("new") == 0
    assert len(buckets) == 2
    assert buckets.take("busy") == 0 and buckets.take("busy") > 0  # still counted
