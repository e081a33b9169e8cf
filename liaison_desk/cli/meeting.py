"""`liaison-desk meeting …`: meetings and engagements, with who was there."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from liaison_desk.cli import output
from liaison_desk.cli.context import AppContext, pass_app
from liaison_desk.cli.options import (
    build_query,
    changes,
    distribution_option,
    json_option,
    list_options,
    marking_option,
    option_group,
    tags_option,
)
from liaison_desk.core import relations
from liaison_desk.core.records import MEETING_KINDS, Meeting, Participant
from liaison_desk.core.store import ListQuery, Store


def local_time(when: str | None, timezone: str | None) -> str | None:
    """A time typed without an offset means this laptop's local time, unless --tz says else."""
    if when is None or timezone is not None:
        return when
    try:
        moment = datetime.fromisoformat(when)
    except ValueError:
        return when  # the core's validation names the problem
    return moment.astimezone().isoformat() if moment.tzinfo is None else when


_meeting_fields = option_group(
    click.option("--tz", "timezone", help="Time zone of --when, e.g. Europe/Paris."),
    click.option("--kind", help=f"One of: {', '.join(MEETING_KINDS)}."),
    click.option("--place", help="Where it took place."),
    click.option("--summary", help="One-paragraph summary."),
    click.option("--notes", help="Detailed notes (Markdown)."),
    marking_option,
    distribution_option,
    tags_option,
)


@click.group()
def meeting() -> None:
    """Meetings and engagements: add, list, show, edit and delete.

    Example: liaison-desk meeting list --limit 20
    """


@meeting.command("add")
@click.option("--title", required=True, help="What the meeting was.")
@click.option("--when", "starts_at", required=True, help="Start, ISO 8601: 2026-03-14T10:30.")
@click.option("--participant", "participants", multiple=True, help="Contact id; repeat.")
@_meeting_fields
@pass_app
def add(app: AppContext, /, participants: tuple[str, ...], **fields: Any) -> None:
    """Add a meeting with its participants and print its id.

    Example: liaison-desk meeting add --title "Staff talks" --when 2026-03-14T10:30
    --participant 01934b2e-…
    """
    store = app.open_vault().store
    fields = changes(**fields)
    fields["starts_at"] = local_time(fields["starts_at"], fields.get("timezone"))
    with store.transaction():
        record = store.add(Meeting(**fields))
        _add_participants(store, record, participants)
    click.echo(record.id)


def _add_participants(store: Store, record: Meeting, contact_ids: tuple[str, ...]) -> None:
    store.add_many(
        Participant(meeting_id=record.id, contact_id=cid, marking=record.marking)
        for cid in dict.fromkeys(contact_ids)
    )


@meeting.command("list")
@list_options
@pass_app
def list_(app: AppContext, /, **opts: Any) -> None:
    """List meetings, most recent first.

    Example: liaison-desk meeting list --limit 20
    """
    store = app.open_vault().store
    rows = store.list(Meeting, build_query(store, opts, descending=True))
    output.records(rows, ("id", "starts_at", "title", "place", "marking"), opts["as_json"])


@meeting.command("show")
@click.argument("meeting_id")
@json_option
@pass_app
def show(app: AppContext, /, meeting_id: str, as_json: bool) -> None:
    """Show a meeting, its participants and its follow-ups.

    Example: liaison-desk meeting show 01934b2e-…
    """
    store = app.open_vault().store
    record = store.get(Meeting, meeting_id)
    people = relations.participants(store, meeting_id)
    extra = {
        "participants": [
            f"{a.contact.full_name}{f' ({a.participant.role})' if a.participant.role else ''}"
            f"  [{a.contact.id}]"
            for a in people
        ],
        "open_followups": [
            f"{f.due_date or 'no date'}  {f.action}  ({f.id})"
            for f in relations.open_followups(store, meeting_id=meeting_id)
        ],
    }
    output.details(record, as_json, extra)


@meeting.command("edit")
@click.argument("meeting_id")
@click.option("--title", help="What the meeting was.")
@click.option("--when", "starts_at", help="Start, ISO 8601.")
@click.option("--add-participant", "added", multiple=True, help="Contact id to add; repeat.")
@click.option("--remove-participant", "removed", multiple=True, help="Contact id to remove.")
@_meeting_fields
@pass_app
def edit(
    app: AppContext,
    /,
    meeting_id: str,
    added: tuple[str, ...],
    removed: tuple[str, ...],
    **fields: Any,
) -> None:
    """Change the given fields and participants; an empty value clears a field.

    Example: liaison-desk meeting edit 01934b2e-… --summary "Agreed dates" --add-participant 0193…
    """
    store = app.open_vault().store
    fields = changes(**fields)
    if "starts_at" in fields:
        fields["starts_at"] = local_time(fields["starts_at"], fields.get("timezone"))
    with store.transaction():
        record = store.update(Meeting, meeting_id, fields)
        current = store.list(Participant, ListQuery(where={"meeting_id": meeting_id}, limit=10_000))
        present = {p.contact_id for p in current}
        _add_participants(store, record, tuple(c for c in added if c not in present))
        for p in current:
            if p.contact_id in removed:
                store.delete(Participant, p.id)


@meeting.command("delete")
@click.argument("meeting_id")
@pass_app
def delete(app: AppContext, /, meeting_id: str) -> None:
    """Delete a meeting.

    Example: liaison-desk meeting delete 01934b2e-…
    """
    app.open_vault().store.delete(Meeting, meeting_id)
