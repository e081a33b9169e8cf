"""Errors of the relay service, each carrying a sentence.

LiaisonError
 +-- RelayServiceError            root of the relay service's own errors
      +-- RelaySetupError         the relay cannot start as asked (options, HQ's file, its port)
      +-- Refusal                 a request refused: HTTP `status`, a stable `code`, the sentence
      +-- StoreError              the store failed (disk full, bucket unreachable): 507 or 503
      +-- DifferentBundle         a bundle of that name already waits, with other contents
      +-- PieceRefused            a piece of a partial upload does not match its signed digest
      +-- UploadMoved             a partial upload is no longer where a request found it

A Refusal is the requester's to act on and goes back to it as JSON; a
StoreError is the relay's own trouble, logged, and answered with "retry
later". The relay turns them into responses in one place (`relay.app`).
The relay's folder or bucket unusable at start is core's StorageError.
"""

from __future__ import annotations

from liaison_desk.core.errors import LiaisonError


class RelayServiceError(LiaisonError):
    pass


class RelaySetupError(RelayServiceError):
    pass


class Refusal(RelayServiceError):
    """`wipe_order`: HQ's signed order for the refused station, passed on as HQ gave it."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        retry_after: int = 0,
        headers: dict[str, str] | None = None,
        wipe_order: object = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.retry_after = retry_after
        self.headers = headers or {}
        self.wipe_order = wipe_order


class StoreError(RelayServiceError):
    def __init__(self, message: str, full: bool = False) -> None:
        super().__init__(message)
        self.full = full


class DifferentBundle(RelayServiceError):
    def __init__(self) -> None:
        super().__init__("Another bundle of that name waits already.")


class PieceRefused(RelayServiceError):
    def __init__(self) -> None:
        super().__init__("A piece of the upload does not match its digest; it was dropped.")


class UploadMoved(RelayServiceError):
    """Another request wrote to the upload, or it expired or completed, meanwhile."""

    def __init__(self) -> None:
        super().__init__("The upload has moved on since; ask where it stands and go on from there.")
