"""`liaison-desk meeting …`: meetings and engagements, with who was there."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from liaison_desk.cli import output
from liaison_desk.cli.context import AppContext, pass_app
from liaison_desk.cli.exchange_options import (
    column_list,
    columns_option,
    export_filters,
    export_query,
    format_of,
    out_argument,
    wrote,
)
from liaison_desk.cli.long_text import long_text_option
from liaison_desk.cli.options import (
    build_query,
    changes,
    distribution_option,
    json_option,
    list_options,
    list_page,
    marking_option,
    option_group,
    shown_note,
    tags_option,
)
from liaison_desk.cli.progress import progress_line
from liaison_desk.cli.seating import seating
from liaison_desk.core import relations
from liaison_desk.core.interop.csv_export import csv_bytes, record_rows
from liaison_desk.core.interop.export_file import write_export
from liaison_desk.core.interop.ical import read_events
from liaison_desk.core.interop.meeting_export import ics_bytes
from liaison_desk.core.interop.meeting_import import (
    EventPreview,
    apply_events,
    not_kept_sentence,
    preview_events,
)
from liaison_desk.core.kinds import MEETING
from liaison_desk.core.meetings import occurrences_in, save_meeting
from liaison_desk.core.record_detail import record_detail
from liaison_desk.core.records import MEETING_KINDS, Meeting
from liaison_desk.core.recurrence_text import describe_rule
from liaison_desk.core.station_zone import set_station_zone, station_zone, station_zone_setting
from liaison_desk.core.wording import plural

WHEN_HELP = (
    "Start, ISO 8601: 2026-03-14T10:30 (read in --tz, else in the meeting's own zone when "
    "editing, else in this station's time zone: see `meeting zone`), or with an offset: "
    "2026-03-14T10:30+01:00."
)

CSV_COLUMNS = (
    "starts_at",
    "timezone",
    "title",
    "kind",
    "place",
    "participants",
    "tags",
    "marking",
    "id",
)

_meeting_fields = option_group(
    click.option(
        "--tz",
        "timezone",
        help="Time zone of --when, e.g. Europe/Paris (blank: this station's, see `meeting zone`).",
    ),
    click.option("--kind", help=f"One of: {', '.join(MEETING_KINDS)}."),
    click.option("--place", help="Where it took place."),
    long_text_option("--summary", "One-paragraph summary."),
    long_text_option("--notes", "Detailed notes (Markdown)."),
    marking_option,
    distribution_option,
    tags_option,
)


@click.group()
def meeting() -> None:
    """Meetings and engagements: add, list, show, edit and delete; the station's time zone.

    Example: liaison-desk meeting list --limit 20
    """


meeting.add_command(seating)


@meeting.command("add")
@click.option("--title", required=True, help="What the meeting was.")
@click.option("--when", "starts_at", required=True, help=WHEN_HELP)
@click.option("--participant", "participants", multiple=True, help="Contact id; repeat.")
@_meeting_fields
@pass_app
def add(app: AppContext, /, participants: tuple[str, ...], **fields: Any) -> None:
    """Add a meeting with its participants and print its id.

    Example: liaison-desk meeting add --title "Staff talks" --when 2026-03-14T10:30
    --participant 01934b2e-…
    """
    store = app.open_vault().store
    record = save_meeting(store, None, changes(**fields), add_people=participants)
    click.echo(record.id)


@meeting.command("list")
@click.option(
    "--from",
    "first",
    help="List each occurrence (a series expanded) from this day on, e.g. 2026-03-01.",
)
@click.option("--to", "last", help="With --from: the last day (included; default: --from).")
@list_options
@pass_app
def list_(app: AppContext, /, first: str | None, last: str | None, **opts: Any) -> None:
    """List meetings, most recent first; a series once, saying how it repeats.

    With --from (and --to), each occurrence in those days at this station, in time
    order: a weekly series shows once a week.

    Example: liaison-desk meeting list --from 2026-03-01 --to 2026-03-31
    """
    store = app.open_vault().store
    query = build_query(store, opts, descending=True)
    if first is None:
        if last is not None:
            raise click.UsageError("--to needs --from.")
        rows = list_page(store, Meeting, query)
        listed = [output.as_dict(m) | {"repeats": describe_rule(m.recurrence)} for m in rows]
        _rows_out(listed, opts["as_json"])
        return
    found = occurrences_in(store, first, last or first, query)
    shown = found[query.offset : query.offset + query.limit]
    if len(shown) < len(found):
        click.echo(shown_note(len(shown), len(found), query.offset), err=True)
    _rows_out(
        [
            output.as_dict(o.meeting)
            | {
                "starts_at": o.starts_at,
                "ends_at": o.ends_at,
                "repeats": describe_rule(o.meeting.recurrence),
            }
            for o in shown
        ],
        opts["as_json"],
    )


def _rows_out(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        output.emit_json(rows)
    else:
        output.table(rows, ("id", "starts_at", "title", "place", "repeats", "marking"))


@meeting.command("show")
@click.argument("meeting_id")
@json_option
@pass_app
def show(app: AppContext, /, meeting_id: str, as_json: bool) -> None:
    """Show a meeting, its participants and its follow-ups.

    Example: liaison-desk meeting show 01934b2e-…
    """
    vault = app.open_vault()
    detail = record_detail(vault.store, vault.clock, MEETING, meeting_id, limit=relations.ALL)
    extra = {
        "participants": [
            f"{a.contact.full_name}{f' ({a.participant.role})' if a.participant.role else ''}"
            f"  [{a.contact.id}]"
            for a in detail.people
        ],
        "open_followups": [
            f"{f.due_date or 'no date'}  {f.action}  ({f.id})"
            for f in detail.followups
            if f.status == "open"
        ],
    }
    output.details(detail.record, as_json, extra)


@meeting.command("edit")
@click.argument("meeting_id")
@click.option("--title", help="What the meeting was.")
@click.option("--when", "starts_at", help=WHEN_HELP)
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
    save_meeting(
        app.open_vault().store,
        meeting_id,
        changes(**fields),
        add_people=added,
        remove_people=removed,
    )


@meeting.command("zone")
@click.argument("zone_name", metavar="[ZONE]", required=False)
@click.option(
    "--system", "follow_system", is_flag=True, help="Follow this computer's time zone again."
)
@json_option
@pass_app
def zone(app: AppContext, /, zone_name: str | None, follow_system: bool, as_json: bool) -> None:
    """Show or set this station's time zone: where a --when without a zone is read.

    It is kept in the vault (not synced) and follows the computer's zone until set.
    The GUI's meeting editor uses the same zone for a blank time zone field.

    Example: liaison-desk meeting zone Africa/Lagos
    """
    store = app.open_vault().store
    if zone_name is not None or follow_system:
        set_station_zone(store, None if follow_system else zone_name)
    setting = station_zone_setting(store)
    current = station_zone(store)
    if as_json:
        output.emit_json({"zone": current, "follows_system": setting is None})
    elif setting is None:
        click.echo(f"{current} (this computer's time zone; set one with `meeting zone NAME`)")
    else:
        click.echo(current)


@meeting.command("delete")
@click.argument("meeting_id")
@pass_app
def delete(app: AppContext, /, meeting_id: str) -> None:
    """Delete a meeting.

    Example: liaison-desk meeting delete 01934b2e-…
    """
    app.open_vault().store.delete(Meeting, meeting_id)


@meeting.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--dry-run", is_flag=True, help="Show the events and their attendees; import nothing."
)
@click.option(
    "--strict",
    is_flag=True,
    help="Every event or none: refuse the file if one event cannot be read or stored.",
)
@json_option
@pass_app
def import_(app: AppContext, /, file: Path, dry_run: bool, strict: bool, as_json: bool) -> None:
    """Import the events of an iCalendar (.ics) file as meetings.

    Attendees become participants when they match a contact (by email, or by name);
    the others are listed in the meeting's notes. Events already in the vault (by UID,
    or title and time) are not added again; a series comes in as one meeting with its
    rule. An event that cannot be read is skipped and named, unless --strict.

    Example: liaison-desk meeting import outlook-calendar.ics
    """
    vault = app.open_vault()
    with progress_line("Reading events") as line:
        events = read_events(file, line, station=station_zone(vault.store))
    if dry_run:
        _show_preview(preview_events(vault.store, events, strict=strict), as_json)
        return
    with progress_line("Importing") as line:
        summary = apply_events(vault, events, line, strict=strict)
    if as_json:
        output.emit_json(summary.__dict__)
        return
    click.echo(summary.sentence())
    _explain(summary.skipped_events, not_kept_sentence(summary.not_kept, summary.others))


def _explain(skipped: Sequence[str], not_kept: str) -> None:
    """Why events were skipped, and what the file holds that the vault does not keep."""
    for reason in skipped:
        click.echo(f"Skipped: {reason}")
    if not_kept:
        click.echo(not_kept)


def _show_preview(found: EventPreview, as_json: bool) -> None:
    rows = [
        {
            "line": row.event.line,
            "starts_at": row.event.starts_at,
            "title": row.event.title,
            "repeats": describe_rule(row.event.recurrence) if row.event.recurring else "",
            "status": row.reason or row.status,
            "participants": [m.contact_name for m in row.matched],
            "not_in_contacts": [m.attendee.label() for m in row.unmatched],
        }
        for row in found.rows
    ]
    if as_json:
        output.emit_json(
            {"events": rows, "not_kept": dict(found.not_kept), "others": dict(found.others)}
        )
        return
    output.table(
        rows, ("line", "starts_at", "title", "repeats", "status", "participants", "not_in_contacts")
    )
    click.echo(
        f"{plural(len(found.rows), 'event')}: {found.count('new'):,} new, "
        f"{found.count('merged'):,} merged, {found.count('already in the vault'):,} unchanged, "
        f"{found.count('skipped'):,} skipped. Nothing was imported (--dry-run)."
    )
    _explain(found.skipped(), found.not_kept_sentence())


@meeting.command("export")
@out_argument
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("ics", "csv")),
    help="ics or csv (default: from the file name, .ics or .csv).",
)
@click.option(
    "--no-followups",
    is_flag=True,
    help="iCalendar only: leave out the due dates of open follow-ups.",
)
@export_filters
@columns_option
@pass_app
def export(
    app: AppContext,
    /,
    file: Path,
    fmt: str | None,
    no_followups: bool,
    columns: str | None,
    **opts: Any,
) -> None:
    """Write meetings to an iCalendar or CSV file, NOT encrypted, at your explicit request.

    The calendar also holds each open follow-up on its due date (an all-day entry).

    Example: liaison-desk meeting export --format ics --max-marking RESTRICTED meetings.ics
    """
    fmt = format_of(file, fmt, {".ics": "ics", ".ical": "ics", ".csv": "csv"})
    vault = app.open_vault()
    store = vault.store
    query = export_query(store, opts, descending=True)
    if fmt == "ics":
        data, meetings, followups = ics_bytes(
            store, query, vault.clock.now_ms(), followups=not no_followups
        )
        what = f"{plural(meetings, 'meeting')} and {plural(followups, 'follow-up')}"
        total = meetings + followups
    else:
        names = column_list(columns, CSV_COLUMNS)
        rows = list(record_rows(store, Meeting, query, names))
        data, total = csv_bytes(names, rows), len(rows)
        what = plural(total, "meeting")
    size = write_export(vault, file, data, kind="meeting", format=fmt, count=total)
    wrote(file, what, size)
