"""Errors of sync, each a sentence the user can act on.

SyncError                         root (under LiaisonError)
 +-- EnrolmentError               an enrolment file that is damaged, forged or not for us
 +-- PeerError                    an unknown peer id, or an ambiguous prefix
 +-- BundleRefused                a bundle that was not applied; `reason` is a stable code
 +-- ConflictError                a conflict that cannot be resolved as asked
 +-- RosterError                  a relay roster that is damaged, too large or not HQ's
 +-- RequestRefused               a relay request whose signature is not accepted; `code`
 +-- RelayError                   talking to the relay failed
      +-- RelayUnreachable        no answer: no network, the relay is down, a proxy refused
      +-- RelayRefused            the relay answered no; `status` and its stable `code`
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
    """The relay answered, and said no; `code` is its stable reason."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
