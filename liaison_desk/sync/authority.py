"""Who may change what: the check every vault makes before it applies a received op.

The rules (normative text: `docs/bundle-format.md` §9.2):

- The **author** of an op is the vault that owns its origin; the **creator**
  of a record is the vault that owns the origin of its creation stamp (the
  record's `origin`). A child record (a meeting's participant, a contact's
  point, posting or relation) or an attachment is governed by the record it
  belongs to (its meeting, its contact, its owner) when this vault holds that
  record, otherwise by itself.
- HQ may change anything. An op must carry its author's own stamp.
- The creator of the governing record may change it and everything attached
  to it. Nobody creates a record in another vault's name.
- Anyone else may only edit the fields of a record shared with them: never a
  record of HQ's protocol library, never a distribution, never a deletion of
  a record (a child record or an attachment may be removed), never a snapshot,
  never a move of a child record or an attachment off the record it belongs to.
- Nobody but HQ sends a change of a field no vault changes (an attachment's
  owner, size, digest or type).
- Nobody but HQ creates a record under an id a record of another kind holds: a
  record is routed, and a file finds its owner, by id alone.
  Whether a record is shared with the author is HQ's to judge (routing, groups):
  a record that reached the author once counts, so an edit made before a
  narrowing reached it is not lost; a station applies what HQ sends it that
  these rules allow.

Every rule reads only what cannot change (who created a record, who wrote an
op) except the last, which HQ alone applies: so a station never refuses what
its HQ accepted, and every vault still converges.
"""

from __future__ import annotations

from liaison_desk.core.hlc import stamp_origin
from liaison_desk.core.kinds import BY_NAME
from liaison_desk.core.sqlite_types import Connection
from liaison_desk.core.write_rights import OWNER_KINDS, PARENT_LINK
from liaison_desk.sync.ops import Op
from liaison_desk.sync.peers import Peer
from liaison_desk.sync.refusals import NOT_AUTHORISED
from liaison_desk.sync.routes import Router

_PARENT_KINDS = frozenset(k.parent[0] for k in BY_NAME.values() if k.parent)
_OWNER_SQL = " UNION ALL ".join(
    f"SELECT '{name}', origin FROM {BY_NAME[name].table} WHERE id = ?1" for name in OWNER_KINDS
)
_KIND_SQL = " UNION ALL ".join(
    f"SELECT '{kind.name}' FROM {kind.table} WHERE id = ?1" for kind in BY_NAME.values()
)


class Authority:
    """Decides, op by op, whether a bundle's sender had the right to send it.

    `hq` is HQ's fingerprint (this vault's, at HQ); `sender` the peer whose
    bundle is being applied. Methods return None to allow, or a reason code.
    """

    def __init__(self, conn: Connection, me: str, hq: str, sender: Peer) -> None:
        self._conn = conn
        self._hq = hq
        self._at_hq = me == hq
        self._sender = sender
        owners = dict(conn.execute("SELECT origin, fingerprint FROM peer_origins").fetchall())
        owners.update((o, me) for (o,) in conn.execute("SELECT origin FROM incarnations"))
        self._owners: dict[str, str] = owners
        self._router: Router | None = None
        # Records with children (meetings, contacts) this bundle created, by id, with their
        # author: they may still be queued, unwritten, when their children arrive.
        self._new_parents: dict[str, str] = {}
        self._new_kinds: dict[str, str] = {}  # every record this bundle created: id -> kind

    def creation(self, op: Op) -> str | None:
        """An op creating a record this vault does not hold (a creation, or a snapshot)."""
        author = self._owner(op.origin)
        refused = None
        if author != self._hq:
            if not self._own_stamp(op.hlc, op.origin, author) or self._id_taken(op):
                return NOT_AUTHORISED
            if op.clocks is not None or op.entity in PARENT_LINK:
                creator = author if op.clocks is None else self._owner(stamp_origin(op.clocks["*"]))
                link = PARENT_LINK.get(op.entity)
                parent = op.fields.get(link) if link else None
                refused = self._judge(op, author, creator, parent, held=False)
        if refused is None:
            self._new_kinds.setdefault(op.record_id, op.entity)
            if op.entity in _PARENT_KINDS:
                self._new_parents[op.record_id] = author
        return refused

    def collision(self, op_origin: str, creator_origin: str) -> str | None:
        """A creation (written under `op_origin`) that met a record already held, created
        under `creator_origin`.

        Received twice from its creator (once in a snapshot), it changes nothing. From
        anyone else it is a forgery: kept, it would be forwarded to vaults that do not
        hold the record yet, as that record's creation.
        """
        author = self._owner(op_origin)
        if author == self._hq or self._owner(creator_origin) == author:
            return None
        return NOT_AUTHORISED

    def change(self, op: Op, creator_origin: str, parent_id: str | None) -> str | None:
        """An op on a record this vault holds: created under `creator_origin`, and
        belonging to `parent_id` (a child's record, an attachment's owner)."""
        author = self._owner(op.origin)
        if author == self._hq:
            return None
        if not self._own_stamp(op.hlc, op.origin, author):
            return NOT_AUTHORISED
        if op.clocks is None and not BY_NAME[op.entity].immutable.isdisjoint(op.fields):
            return NOT_AUTHORISED  # no vault's core changes these (an attachment's owner)
        creator = self._owner(creator_origin)
        link = PARENT_LINK.get(op.entity)
        parents = {parent_id}
        moved_to = op.fields.get(link) if link else None
        if isinstance(moved_to, str) and moved_to != parent_id:
            # A move changes who receives the child, as a distribution would: only the
            # creator of the record it leaves decides that; the record it joins must allow it.
            left = self._parent(op.entity, parent_id) if parent_id else None
            if (left[1] if left else creator) != author:
                return NOT_AUTHORISED
            parents.add(moved_to)
        for parent in parents:
            refused = self._judge(op, author, creator, parent, held=True)
            if refused:
                return refused
        return None

    def may_return(self, op: Op) -> bool:
        """At HQ restored from a backup: whether an op of its own lost past, sent back by
        the sender, may be taken. Nothing proves HQ wrote it (ops carry no signature), so
        it creates a record, or edits one the sender is shared with; it never changes who
        receives a record (a distribution, a snapshot) nor deletes one."""
        if op.clocks is not None:
            return False
        if not op.base and "deleted" not in op.fields:
            return True
        return (
            "distribution" not in op.fields
            and "deleted" not in op.fields
            and self._shared_with_author(op.entity, op.record_id)
        )

    # -- the rules -------------------------------------------------------------------------------

    def _judge(
        self, op: Op, author: str, creator: str, parent_id: str | None, held: bool
    ) -> str | None:
        """An op by `author` (not HQ) on a record created by `creator`, and that belongs
        to `parent_id` if it is a child record or an attachment."""
        parent = self._parent(op.entity, parent_id) if parent_id else None
        kind, governor, record_id = parent or (op.entity, creator, op.record_id)
        if governor == author:
            return None
        if not held and parent is None:
            return NOT_AUTHORISED  # a record of someone else's, written in their name
        if kind == "protocol" and governor == self._hq:
            return NOT_AUTHORISED  # HQ's library is HQ's voice
        fields = op.fields
        if (
            op.clocks is not None
            or (held and "distribution" in fields)
            or (held and "deleted" in fields and parent is None)
        ):
            return NOT_AUTHORISED
        return None if self._shared_with_author(kind, record_id) else NOT_AUTHORISED

    def _shared_with_author(self, kind: str, record_id: str) -> bool:
        """At HQ: whether the record reaches the sender, or reached it before a narrowing the
        sender has not yet acknowledged (its edit may have crossed the narrowing on the way).
        A station leaves that to HQ."""
        if not self._at_hq:
            return True
        if self._router is None:
            self._router = Router(self._conn, self._sender)
        router = self._router
        return router.routed(kind, record_id) or (
            router.reached(kind, record_id) and router.narrowing_unseen(record_id)
        )

    # -- facts -----------------------------------------------------------------------------------

    def _id_taken(self, op: Op) -> bool:
        """Whether a record of another kind holds the id a creation claims, here or
        created earlier in this bundle (a station that received a record knows its id)."""
        if self._new_kinds.get(op.record_id, op.entity) != op.entity:
            return True
        row = self._conn.execute(_KIND_SQL + " LIMIT 1", (op.record_id,)).fetchone()
        return row is not None and row[0] != op.entity

    def _owner(self, origin: str) -> str:
        """The fingerprint of the vault writing under `origin` ("?origin" if unknown here)."""
        owner = self._owners.get(origin)
        return owner if owner is not None else f"?{origin}"

    def _own_stamp(self, stamp: str, origin: str, author: str) -> bool:
        """Whether a stamp was issued by the op's author (under any of its incarnations)."""
        if stamp.endswith(origin):
            return True
        owner = self._owners.get(stamp_origin(stamp))
        if owner is None:
            return not self._at_hq  # HQ knows every origin; a station may not, and HQ checked
        return owner == author

    def _parent(self, entity: str, parent_id: object) -> tuple[str, str, str] | None:
        """(kind, creator's fingerprint, id) of the record a child belongs to, if held here."""
        if not isinstance(parent_id, str):
            return None
        parent = BY_NAME[entity].parent
        if parent is not None:
            kind = parent[0]
            row = self._conn.execute(
                f"SELECT '{kind}', origin FROM {BY_NAME[kind].table} WHERE id = ?", (parent_id,)
            ).fetchone()
            if row is None:  # a record of this bundle, maybe still queued unwritten
                creator = self._new_parents.get(parent_id)
                return (kind, creator, parent_id) if creator is not None else None
        else:
            row = self._conn.execute(_OWNER_SQL, (parent_id,)).fetchone()
            if row is None:
                return None
        return str(row[0]), self._owner(str(row[1])), parent_id
