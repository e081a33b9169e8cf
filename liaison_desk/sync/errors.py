"""Errors of sync, each a sentence the user can act on.

SyncError                         root (under LiaisonError)
 +-- EnrolmentError               an enrolment file that is damaged, forged or not for us
 +-- PeerError                    an unknown peer id, or an ambiguous prefix
 +-- BundleRefused                a bundle that was not applied; `reason` is a stable code
 +-- ConflictError                a conflict that cannot be resolved as asked
 +-- RosterError                  a relay roster that is damaged, too large or not HQ's
 +-- RecoveryError                a recovery request or grant that is damaged, forged, stale,
                                  or not for this vault
 +-- RequestRefused               a relay request whose signature is not accepted; `code`
 +-- RelayError                   talking to the relay failed
      +-- RelayUnreachable        no answer: no network, the relay is down, a proxy refused
      |    +-- RelayTooSlow       an answer that did not end within its request's deadline
      +-- RelayRefused            the relay answered no; `status` and its stable `code`
      +-- RelayAnswerTooLarge     an answer larger than any the relay should send
"""

from __future__ import annotations

from liaison_desk.core.errors import LiaisonError


class SyncError(LiaisonError):
    pass


class EnrolmentError(SyncError):
    pass


class PeerError(SyncError):
    pass


class ConflictError(SyncError):
    pass


class RosterError(SyncError):
    pass


class RecoveryError(SyncError):
    pass


class BundleRefused(SyncError):
    """`reason` names the check that failed (the test vectors and the audit log use it)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class RequestRefused(SyncError):
    """Why a request's signature is not accepted; `code` is stable, for logs and tests."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class RelayError(SyncError):
    pass


class RelayUnreachable(RelayError):
    """No answer from the relay: no network, the relay is down, or a proxy refused."""


class RelayRefused(RelayError):
    """The relay answered, and said no; `code` is its stable reason. `wipe_order` is what
    the relay passed on from HQ for a revoked station (`sync.wipe_order` checks it)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.wipe_order: object = None


class RelayTooSlow(RelayUnreachable):
    """An answer still coming when its request's deadline passed (a trickle, or a stall)."""

    def __init__(self, url: str, what: str, seconds: float) -> None:
        super().__init__(
            f"The relay at {url} took more than {seconds:.0f} s over {what} and was cut off. "
            "Nothing was lost; what is waiting goes at the next sync."
        )


class RelayAnswerTooLarge(RelayError):
    """An answer past its limit; nothing of it is kept (`limit` in bytes)."""

    def __init__(self, url: str, what: str, limit: int) -> None:
        super().__init__(
            f"The relay at {url} sent more than {_amount(limit)} for {what}; nothing of it "
            "was kept. It may not be a Liaison Desk relay, or it is not working as it should."
        )
        self.limit = limit


def _amount(size: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:g} {unit}"
    return f"{size} bytes"
