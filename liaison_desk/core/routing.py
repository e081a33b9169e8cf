"""Who a record is synced to: its distribution, written as short text on every record.

- ``hq``: HQ only (the default for everything a station writes);
- ``all``: every station (the default for HQ's protocol library);
- ``stations:<id>,<id>``: the named stations (ids are station fingerprints);
- ``group:<name>``: a group of stations HQ defines (a region, the officers of a post).

HQ always receives everything; need-to-know applies between stations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from liaison_desk.core.errors import ValidationError

_FINGERPRINT = re.compile(r"^[0-9a-f]{96}$")
GROUP_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


@dataclass(frozen=True)
class Distribution:
    scope: str  # hq | all | stations | group
    members: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.scope in ("hq", "all"):
            return self.scope
        return f"{self.scope}:{','.join(self.members)}"


def parse(text: str) -> Distribution:
    """Read a distribution, raising ValidationError with the accepted forms."""
    value = text.strip().lower()
    if value in ("hq", "all"):
        return Distribution(value)
    scope, _, rest = value.partition(":")
    members = tuple(dict.fromkeys(m.strip() for m in rest.split(",") if m.strip()))
    if scope == "stations" and members and all(_FINGERPRINT.match(m) for m in members):
        return Distribution("stations", tuple(sorted(members)))
    if scope == "group" and len(members) == 1 and GROUP_NAME.match(members[0]):
        return Distribution("group", members)
    raise ValidationError(
        f"The distribution {text!r} is not one of: hq, all, stations:<station id>,…, group:<name>."
    )


def default_for(role: str, kind_name: str) -> str:
    return "all" if role == "hq" and kind_name == "protocol" else "hq"
