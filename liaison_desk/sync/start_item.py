"""The start item of a bundle's payload (docs/bundle-format.md §6), read and checked.

Everything the sender states about itself and what it holds: its incarnations,
what it holds of each origin, the ranges its ops cover, and what it reports
back. A part that is not what the format says refuses the bundle as
`malformed-payload`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from liaison_desk.core.hlc import is_origin, is_stamp
from liaison_desk.sync import revocations
from liaison_desk.sync.ops import is_count
from liaison_desk.sync.payload import malformed
from liaison_desk.sync.refusals import Report
from liaison_desk.sync.vectors import Vector


@dataclass(frozen=True)
class StartItem:
    origins: list[str]
    vector: Vector
    coverage: dict[str, tuple[int, int]]
    owners: dict[str, tuple[str, str]]
    tips: dict[str, tuple[int, str]]
    report: Report
    authors_held: dict[str, Vector]  # from HQ: what each forwarded origin's vault held
    yours: list[str]  # the recipient's incarnations, as the sender knows them
    revocations: Any  # HQ's signed notice of the stations it revoked (`sync.revocations`)

    @classmethod
    def parse(cls, data: Any, bundle_origin: str) -> StartItem:
        try:
            origins = [o for o in data["origins"] if is_origin(o)]
            vector_ = {o: s for o, s in data["vector"].items() if is_origin(o) and is_count(s)}
            coverage = {
                o: (int(r[0]), int(r[1]))
                for o, r in data["coverage"].items()
                if is_origin(o) and len(r) == 2 and is_count(r[0]) and is_count(r[1])
            }
            owners = {o: (str(v[0]), str(v[1])) for o, v in data.get("owners", {}).items()}
            tips = {
                o: (int(t[0]), str(t[1]))
                for o, t in data.get("tips", {}).items()
                if is_origin(o) and len(t) == 2 and is_count(t[0]) and is_stamp(t[1])
            }
            authors_held = {
                o: {a: s for a, s in v.items() if is_origin(a) and is_count(s)}
                for o, v in data.get("authors_held", {}).items()
                if is_origin(o)
            }
            yours = [o for o in _listed(data.get("yours", [])) if is_origin(o)]
        except (KeyError, TypeError, AttributeError, ValueError, IndexError):
            raise malformed("the start item is incomplete") from None
        if (
            len(origins) != len(data["origins"])
            or len(vector_) != len(data["vector"])
            or len(coverage) != len(data["coverage"])
            or len(tips) != len(data.get("tips", {}))
            or len(authors_held) != len(data.get("authors_held", {}))
            or any(len(v) != len(data["authors_held"][o]) for o, v in authors_held.items())
            or len(yours) != len(data.get("yours", []))
        ):
            raise malformed("the start item holds malformed origins or counts")
        if not origins or origins[-1] != bundle_origin:
            raise malformed("the start item does not match the bundle's header")
        if any(low >= high for low, high in coverage.values()):
            raise malformed("an empty or reversed coverage range")
        return cls(
            origins,
            vector_,
            coverage,
            owners,
            tips,
            Report.parse(data),
            authors_held,
            yours,
            data.get(revocations.FIELD),
        )


def _listed(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError("not a list")
    return value
