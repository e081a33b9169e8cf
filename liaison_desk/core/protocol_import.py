"""Import a folder of Markdown protocol references (what HQ's protocol branch writes).

Each file may open with a front-matter block of ``key: value`` lines between
``---`` lines (title, country, category, source, version, effective, marking,
tags). Without a title the first ``# heading`` or the file name is used. A
reference already in the vault with the same title and country is updated in
place, so importing the same folder twice changes nothing. Only regular files
inside the folder are read: a link leading out of it (into HQ's own files, which
would then reach every station), a pipe or a device stops the import with a
sentence naming it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from liaison_desk.core.errors import ImportFormatError, ValidationError
from liaison_desk.core.records import ProtocolRef
from liaison_desk.core.store import Store
from liaison_desk.core.user_files import read_bounded

MAX_FILE_BYTES = 2_000_000
_KEYS = {"title", "country", "category", "source", "version", "effective", "marking", "tags"}


@dataclass(frozen=True)
class ImportSummary:
    added: int
    updated: int
    unchanged: int


def parse_markdown(name: str, text: str) -> ProtocolRef:
    """One reference from one file; errors name the file and line."""
    lines = text.splitlines()
    meta: dict[str, str] = {}
    body_start = 0
    if lines and lines[0].strip() == "---":
        for number, line in enumerate(lines[1:], start=2):
            if line.strip() == "---":
                body_start = number
                break
            if not line.strip():
                continue
            key, sep, value = line.partition(":")
            key = key.strip().lower()
            if not sep or key not in _KEYS:
                raise ImportFormatError(
                    f"{name}, line {number}: expected 'key: value' with a key among "
                    f"{', '.join(sorted(_KEYS))}."
                )
            meta[key] = value.strip()
        else:
            raise ImportFormatError(f"{name}, line 1: the front matter is never closed by '---'.")
    body = "\n".join(lines[body_start:]).strip()
    if not body:
        raise ImportFormatError(f"{name}: the reference has no text.")
    title = meta.get("title")
    if not title:
        heading = next((ln[2:].strip() for ln in body.splitlines() if ln.startswith("# ")), None)
        title = heading or Path(name).stem.replace("-", " ").replace("_", " ")
    return ProtocolRef(
        title=title,
        body=body,
        country=meta.get("country") or None,
        category=meta.get("category") or None,
        source=meta.get("source") or None,
        version=meta.get("version") or None,
        effective_date=meta.get("effective") or None,
        marking=meta.get("marking", ""),
        tags=tuple(t.strip() for t in meta.get("tags", "").split(",") if t.strip()),
    )


def read_directory(directory: Path) -> list[tuple[str, ProtocolRef]]:
    if not directory.is_dir():
        raise ImportFormatError(f"{directory} is not a folder.")
    refs = []
    for path in sorted(directory.glob("*.md")):
        raw = read_bounded(path, MAX_FILE_BYTES, "protocol references", folder=directory)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise ImportFormatError(f"{path.name}, line {line}: not UTF-8 text.") from None
        refs.append((path.name, parse_markdown(path.name, text)))
    if not refs:
        raise ImportFormatError(f"{directory} holds no .md files.")
    return refs


def import_directory(store: Store, directory: Path) -> ImportSummary:
    """Add or update every reference in one transaction: all files or none."""
    refs = read_directory(directory)
    added = updated = unchanged = 0
    with store.transaction():
        held = _Held(store)
        for name, ref in refs:
            try:
                found = held.find(ref)
                if found is None:
                    held.note(store.add(ref))
                    added += 1
                    continue
                changes = {
                    f.name: getattr(ref, f.name)
                    for f in dataclasses.fields(ProtocolRef)
                    if f.name not in ("id", "created_at", "updated_at")
                }
                after = store.update(ProtocolRef, found.id, changes)
                held.note(after, found)
                if after == found:
                    unchanged += 1
                else:
                    updated += 1
            except ValidationError as exc:
                raise ImportFormatError(f"{name}: {exc.message}") from exc
    return ImportSummary(added, updated, unchanged)


class _Held:
    """The references the vault holds, by title and country, read once for the whole folder.

    Looking each file's title up in the table scanned it (the title has no index): an
    import of 10,000 files read the table 10,000 times. A title and country held by several
    references finds the first by id, as that lookup did.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._ids: dict[tuple[str, str | None], set[str]] = {}
        rows = store.conn.execute("SELECT id, title, country FROM protocol_refs WHERE deleted = 0")
        for record_id, title, country in rows:
            self._ids.setdefault((title, country), set()).add(record_id)

    def find(self, ref: ProtocolRef) -> ProtocolRef | None:
        country = ref.country.strip().upper() if ref.country else None
        if country == "GENERAL":
            country = None
        ids = self._ids.get((ref.title, country))
        return self._store.get(ProtocolRef, min(ids)) if ids else None

    def note(self, now: ProtocolRef, before: ProtocolRef | None = None) -> None:
        """A reference was added (or `before` became `now`): file it under its title."""
        if before is not None:
            self._ids[(before.title, before.country)].discard(before.id)
        self._ids.setdefault((now.title, now.country), set()).add(now.id)
