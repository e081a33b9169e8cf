"""The connection guard's arithmetic: who is closed to make room, and who never is."""

from __future__ import annotations

from liaison_desk.relay.connections import ConnectionGuard, ConnectionLimits


class Conn:
    def __init__(self, name: str) -> None:
        self.name = name
        self.dropped = False

    def drop(self) -> None:
        self.dropped = True

    def __repr__(self) -> str:
        return self.name


def guard(most: int = 10, unauthenticated: int = 6, per_address: int = 3) -> ConnectionGuard:
    return ConnectionGuard(ConnectionLimits(1.0, 1.0, most, unauthenticated, per_address))


def test_an_address_over_its_cap_loses_its_oldest_waiting_connection_and_only_that() -> None:
    g = guard()
    other = Conn("other")
    g.admit(other, "10.0.0.2")
    mine = [Conn(f"a{i}") for i in range(4)]
    assert all(g.admit(c, "10.0.0.1") for c in mine)
    assert [c.dropped for c in mine] == [True, False, False, False] and not other.dropped
    assert g.counts() == (4, 4)


def test_the_oldest_waiting_connection_anywhere_makes_room_past_the_overall_cap() -> None:
    g = guard(unauthenticated=4)
    conns = [Conn(f"c{i}") for i in range(5)]
    for i, c in enumerate(conns):
        g.admit(c, f"10.0.0.{i}")
    assert [c.dropped for c in conns] == [True, False, False, False, False]


def test_authenticated_connections_are_never_dropped_and_may_fill_the_relay() -> None:
    g = guard(most=3)
    signed = [Conn(f"s{i}") for i in range(3)]
    for c in signed:
        g.admit(c, "10.0.0.1")
        g.authenticated(c)
    assert g.counts() == (3, 0)
    assert not g.admit(Conn("late"), "10.0.0.9")  # no room, and none to make
    g.closed(signed[0])
    assert g.admit(Conn("now"), "10.0.0.9") and not any(c.dropped for c in signed)


def test_the_caps_fit_under_the_open_file_limit() -> None:
    wanted = ConnectionLimits(max_connections=4096, max_unauthenticated=1024)
    assert wanted.within(None) == wanted
    fitted = wanted.within(256)
    assert (fitted.max_connections, fitted.max_unauthenticated) == (96, 96)
    assert fitted.max_unauthenticated_per_address == 32
    assert wanted.within(1_000_000).max_connections == 4096
