"""Records a station may no longer see, withdrawn when HQ names them.

HQ routes a record by its distribution as it stands now. When a distribution
narrows (from `all` to named stations, say), nothing routed to the stations it
leaves would ever change their copy again: they would keep it for ever, still
showing the old distribution. So HQ names such a record in the end item of its
bundles to each station an earlier distribution of the record reached
(`routes.Router.withdrawn`), until the station acknowledges the op that
narrowed it; the station then removes the record, with the participants and
files that travel with it and the ops it holds of them (`Store.withdraw`), and
its conflicts over them. What the station wrote itself stays: HQ holds it,
and if the record is widened to the station again, the merge takes it back
into the record HQ's snapshot brings (`Merger._take_back_own`). Each
withdrawal is noted in the station's audit log by kind and id.
"""

from __future__ import annotations

import logging
from typing import Any

from liaison_desk.core import audit
from liaison_desk.core.kinds import BY_NAME
from liaison_desk.core.vault import Vault
from liaison_desk.sync.merge import withdrawn_mark
from liaison_desk.sync.payload import malformed
from liaison_desk.sync.vectors import own_origins

log = logging.getLogger("liaison_desk.sync")

# Kinds that carry their own distribution; participants and files go with their record.
WITHDRAWABLE = frozenset({"organization", "contact", "meeting", "followup", "protocol", "gift"})
MAX_WITHDRAWN = 100_000  # per bundle: every record of a large library, narrowed at once


def parse(value: Any) -> list[tuple[str, str]]:
    """The end item's `withdrawn` list, checked like an op's kind and record id."""
    if type(value) is not list or len(value) > MAX_WITHDRAWN:
        raise malformed("the end item's withdrawn records are not a list of records")
    out: list[tuple[str, str]] = []
    for entry in value:
        if not (
            type(entry) is list
            and len(entry) == 2
            and entry[0] in WITHDRAWABLE
            and type(entry[1]) is str
            and 0 < len(entry[1]) <= 64
            and entry[1].isascii()
        ):
            raise malformed("the end item names a withdrawn record malformed")
        out.append((entry[0], entry[1]))
    return out


def withdraw(vault: Vault, records: list[tuple[str, str]]) -> int:
    """Remove the records HQ withdrew from this station (inside the import's transaction).

    Returns how many of them this vault held (and removed).
    """
    conn = vault.conn
    mine = own_origins(conn)
    withdrawn = 0
    for entity, record_id in records:
        gone = vault.store.withdraw(BY_NAME[entity], record_id, mine)
        if not gone:
            continue
        conn.executemany("DELETE FROM conflicts WHERE record_id = ?", [(i,) for i in gone])
        conn.executemany(
            "INSERT OR IGNORE INTO meta (key, value) VALUES (?, '1')",
            [(withdrawn_mark(i),) for i in gone],
        )
        audit.record(
            conn, vault.clock, "record-withdrawn", kind=entity, id=record_id, records=len(gone)
        )
        withdrawn += 1
    if withdrawn:
        log.info("%d records withdrawn", withdrawn)
    return withdrawn
