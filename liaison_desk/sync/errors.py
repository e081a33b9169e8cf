"""Errors of sync, each a sentence the user can act on.

SyncError                         root (under LiaisonError)
 +-- EnrolmentError               an enrolment file that is damaged, forged or not for us
 +-- PeerError                    an unknown peer id, or an ambiguous prefix
 +-- BundleRefused                a bundle that was not applied; `reason` is a stable code
 +-- ConflictError                a conflict that cannot be resolved as asked
 +-- RosterError                  a relay roster that is damaged, too large or not HQ's
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
