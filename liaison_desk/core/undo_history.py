"""The changes an officer made in this session, undone last first as ordinary new edits.

Each change (a save, a deletion, a restore from the trash) is run through
`UndoHistory`, which notes the fields the change wrote, read back from the ops
it appended, and their values just before. Undoing writes those values back
(and deletes what the change created, restores what it deleted) through the
store like any edit: new ops, new clocks, synced to peers like any change. The
oplog is never rewritten. Only the fields the change wrote are put back, so a
peer's later edit of another field survives an undo; a field changed since
(by a peer, or outside this history) is never overwritten: that undo is
refused with a sentence, and the officer edits the record by hand.

The history lives in memory for one unlocked session and is dropped at lock.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from liaison_desk.core.edits import Edit, save_edit
from liaison_desk.core.errors import NothingToUndo, RecordError, UndoRefused
from liaison_desk.core.kinds import BY_NAME, FOLLOWUP, Kind, children_of
from liaison_desk.core.records import FollowUp
from liaison_desk.core.store import Store
from liaison_desk.core.vault import Vault

log = logging.getLogger("liaison_desk.undo")

T = TypeVar("T")
LIMIT = 100  # changes kept; the oldest goes first


@dataclass(frozen=True)
class Before:
    """One record as it was before a change: None for a record the change created."""

    kind: Kind[Any]
    record_id: str
    values: dict[str, Any] | None  # the fields the change wrote, as they were
    deleted: bool | None = None  # as it was, if the change deleted or restored it
    after: dict[str, Any] | None = None  # the same fields as the change left them


@dataclass(frozen=True)
class Change:
    """One undoable change: what the Edit menu calls it, and the records it wrote."""

    label: str
    records: tuple[Before, ...]

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(b.kind.name for b in self.records))


class UndoHistory:
    """The session's changes, last on top. Used only from the vault's worker thread."""

    def __init__(self, limit: int = LIMIT) -> None:
        self._changes: list[Change] = []
        self._limit = limit

    def next_label(self) -> str | None:
        """What Undo would undo now, None when nothing."""
        return self._changes[-1].label if self._changes else None

    def clear(self) -> None:
        self._changes.clear()

    # -- the changes an officer makes ---------------------------------------------------------

    def save(self, vault: Vault, edit: Edit) -> Any:
        """Save an editor's edit (`core.edits.save_edit`), undoably."""
        touched = with_children(vault.store, edit.kind, edit.record_id) if edit.record_id else []
        verb = "Edit" if edit.record_id else "New"
        return self.run(
            vault.store,
            lambda record: f"{verb} {edit.kind.name} “{_title(edit.kind, record)}”",
            touched,
            lambda: save_edit(vault, edit),
        )

    def mark_done(self, store: Store, followup_id: str) -> FollowUp:
        """Close a follow-up, undoably."""
        return self.run(
            store,
            lambda record: f"Mark done “{record.action}”",
            [(FOLLOWUP, followup_id)],
            lambda: store.update(FollowUp, followup_id, {"status": "done"}),
        )

    def delete(self, store: Store, kind: Kind[Any], record_id: str) -> str:
        """Delete a record (its links stay, for a restore); returns its title."""
        title = _title(kind, store.get(kind.cls, record_id))
        self.run(
            store,
            lambda _: f"Delete {kind.name} “{title}”",
            [(kind, record_id)],
            lambda: store.delete(kind.cls, record_id),
        )
        return title

    def restore(self, store: Store, kind: Kind[Any], record_id: str, title: str) -> None:
        """Bring a deleted record back (from the trash), undoably."""
        self.run(
            store,
            lambda _: f"Restore {kind.name} “{title}”",
            [(kind, record_id)],
            lambda: store.restore(kind.cls, record_id),
        )

    def run(
        self,
        store: Store,
        describe: Callable[[T], str],
        touched: Iterable[tuple[Kind[Any], str]],
        change: Callable[[], T],
    ) -> T:
        """Run `change` in one transaction and remember how to undo it.

        `touched`: the existing records the change may write; a record it writes
        that is not among them must be one it created (undone by deleting it).
        """
        with store.transaction():
            before = {(k.name, i): _read(store, k, i) for k, i in touched}
            first = _last_seq(store) + 1
            result = change()
            records = _written(store, first, before)
        if records:
            self._changes.append(Change(describe(result), records))
            del self._changes[: -self._limit]
            log.info("undoable change of %d records", len(records))
        return result

    # -- undoing --------------------------------------------------------------------------------

    def undo(self, store: Store) -> Change:
        """Undo the last change as new edits, in one transaction; returns what was undone.

        A change that can no longer be undone (the record was deleted since, or
        this station may not make the reverse change) is dropped from the
        history and refused with the reason.
        """
        if not self._changes:
            raise NothingToUndo("There is nothing to undo.")
        change = self._changes[-1]
        try:
            with store.transaction():
                for record in reversed(change.records):
                    _put_back(store, record)
        except RecordError as exc:
            self._changes.pop()
            raise UndoRefused(f"“{change.label}” cannot be undone: {exc.message}") from None
        self._changes.pop()  # only once undone: a full disk leaves it to try again
        log.info("undid a change of %d records", len(change.records))
        return change


def with_children(store: Store, kind: Kind[Any], record_id: str) -> list[tuple[Kind[Any], str]]:
    """A record and its child records (a meeting's participants, a contact's points...):
    what an edit of it may write, for `UndoHistory.run`."""
    touched = [(kind, record_id)]
    for child in children_of(kind.name):
        assert child.parent is not None
        rows = store.conn.execute(
            f"SELECT id FROM {child.table} WHERE {child.parent[1]} = ?", (record_id,)
        ).fetchall()
        touched += [(child, child_id) for (child_id,) in rows]
    return touched


def _title(kind: Kind[Any], record: Any) -> str:
    return str(getattr(record, kind.title_field) or kind.name)


def _last_seq(store: Store) -> int:
    row = store.conn.execute(
        "SELECT coalesce(max(seq), 0) FROM oplog WHERE origin = ?", (store.origin,)
    ).fetchone()
    return int(row[0])


def _read(store: Store, kind: Kind[Any], record_id: str) -> tuple[dict[str, Any], bool] | None:
    """A record's fields and whether it is deleted, None if not held."""
    row = store.conn.execute(
        f"SELECT {kind.columns()}, deleted FROM {kind.table} WHERE id = ?", (record_id,)
    ).fetchone()
    if row is None:
        return None
    record = kind.from_row(row[:-1])
    return {f: getattr(record, f) for f in kind.fields}, bool(row[-1])


def _written(
    store: Store, first: int, before: dict[tuple[str, str], tuple[dict[str, Any], bool] | None]
) -> tuple[Before, ...]:
    """The records the ops from number `first` on wrote, each with what it was before.

    Snapshots are left out: a change of distribution logs one for each file and
    child record of the record, rewriting values that did not change.
    """
    rows = store.conn.execute(
        "SELECT entity, record_id, fields FROM oplog WHERE origin = ? AND seq >= ? "
        "AND clocks IS NULL ORDER BY seq",
        (store.origin, first),
    ).fetchall()
    fields: dict[tuple[str, str], set[str]] = {}
    for entity, record_id, written in rows:
        fields.setdefault((entity, record_id), set()).update(json.loads(written))
    out = []
    for (entity, record_id), names in fields.items():
        kind = BY_NAME[entity]
        was = before.get((entity, record_id))
        if was is None:
            if (entity, record_id) in before or not _created_in(store, record_id, first):
                raise RuntimeError(f"an undoable change wrote {entity} {record_id} unannounced")
            out.append(Before(kind, record_id, None))
            continue
        values, deleted = was
        kept = {f: values[f] for f in names - {"deleted"} - kind.immutable if f in values}
        now = _read(store, kind, record_id)
        after = {f: now[0][f] for f in kept} if now is not None else None
        out.append(Before(kind, record_id, kept, deleted if "deleted" in names else None, after))
    return tuple(out)


def _created_in(store: Store, record_id: str, first: int) -> bool:
    """Whether the record's first op of ours is among the ops from number `first` on."""
    row = store.conn.execute(
        "SELECT min(seq) FROM oplog WHERE origin = ? AND record_id = ?", (store.origin, record_id)
    ).fetchone()
    return row[0] is not None and int(row[0]) >= first


def _put_back(store: Store, record: Before) -> None:
    kind, record_id = record.kind, record.record_id
    now = _read(store, kind, record_id)
    if record.values is None:
        if now is not None and not now[1]:
            store.delete(kind.cls, record_id)
        return
    if now is None:
        raise UndoRefused(f"The {kind.name} is no longer held here.")
    values, deleted = now
    if record.after is not None and any(values[f] != v for f, v in record.after.items()):
        raise UndoRefused(
            f"The {kind.name} was changed since (at another station, or by an import or a "
            "sync); edit it by hand."
        )
    if deleted and record.deleted is False:
        store.restore(kind.cls, record_id)
        deleted = False
    changes = {f: v for f, v in record.values.items() if values[f] != v}
    if changes and deleted:
        raise UndoRefused(f"The {kind.name} was deleted since.")
    if changes:
        store.update(kind.cls, record_id, changes)
    if record.deleted and not deleted:
        store.delete(kind.cls, record_id)
