"""`liaison-desk contact …`: the people an officer knows."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

import click

from liaison_desk.cli import output
from liaison_desk.cli.contact_options import detail_options, details_from, shown
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
    given,
    json_option,
    list_options,
    list_page,
    marking_option,
    option_group,
    tags_option,
)
from liaison_desk.cli.progress import progress_line
from liaison_desk.core import relations
from liaison_desk.core.contact_details import (
    ContactDetails,
    add_contact,
    details_of,
    save_details,
)
from liaison_desk.core.errors import RecordNotFound
from liaison_desk.core.interop.contact_export import vcard_bytes
from liaison_desk.core.interop.contact_import import POLICIES, Preview, apply_import, preview
from liaison_desk.core.interop.csv_export import csv_bytes, record_rows
from liaison_desk.core.interop.export_file import write_export
from liaison_desk.core.interop.import_report import NotKept, Problem, not_kept_text
from liaison_desk.core.interop.vcard import read_vcards
from liaison_desk.core.kinds import CONTACT
from liaison_desk.core.ranks import NOT_MAPPED, nato_code_of, rank_changes, unmapped_reason
from liaison_desk.core.record_detail import record_detail
from liaison_desk.core.records import DIPLOMATIC_RANKS, Contact, Organization
from liaison_desk.core.store import Store
from liaison_desk.core.wording import plural

CSV_COLUMNS = (
    "full_name",
    "rank",
    "position",
    "organization",
    "country",
    "emails",
    "phones",
    "tags",
    "marking",
    "id",
)

_contact_fields = option_group(
    click.option(
        "--rank",
        help="Rank or title as the contact's nation says it or in English, e.g. Fregattenkapitän "
        "(mapped to its NATO code from the rank table when it can be; free text is kept).",
    ),
    click.option(
        "--rank-code",
        help="The rank's NATO code when the name alone does not tell, e.g. --rank Captain "
        "--rank-code OF-5 for a navy captain (see `contact ranks`).",
    ),
    click.option(
        "--diplomatic-rank",
        help=f"Diplomatic rank, for precedence: one of {', '.join(DIPLOMATIC_RANKS)}.",
    ),
    click.option("--accredited-on", help="Date of accreditation to the host country, YYYY-MM-DD."),
    click.option("--position", help="Position or appointment."),
    click.option("--org", "org_id", help="Organization id (see `org list`)."),
    click.option("--country", help="Two-letter country code, e.g. FR."),
    *detail_options,
    click.option(
        "--language", "languages", multiple=True, help='Language spoken, e.g. "fr:C1"; repeat.'
    ),
    click.option("--how-met", help="How and where you met."),
    long_text_option("--trust-notes", "Relationship and trust notes."),
    long_text_option("--notes", "Free notes."),
    click.option("--cadence-days", type=int, help="Aim to meet every N days."),
    marking_option,
    distribution_option,
    tags_option,
)


@click.group()
def contact() -> None:
    """Contacts: add, list, show, edit and delete.

    Example: liaison-desk contact list --country FR
    """


@contact.command("add")
@click.option("--name", "full_name", required=True, help="Full name.")
@_contact_fields
@pass_app
def add(app: AppContext, /, **fields: Any) -> None:
    """Add a contact and print its id.

    Example: liaison-desk contact add --name "Hélène Girard" --rank Colonel --country FR
    --phone "mobile:+33 6 12 34 56 78" --posting "Defence attaché|Embassy of France|2024-09"
    """
    store = app.open_vault().store
    fields = rank_changes(changes(**fields), None)
    details = details_from(store, fields, None) or ContactDetails()
    record = add_contact(store, Contact(**fields), details)
    _say_if_not_mapped(record)
    click.echo(record.id)


def _say_if_not_mapped(record: Contact) -> None:
    """A rank that maps to no NATO code is kept; say so on stderr, with what would map it."""
    if record.rank and nato_code_of(record) is None:
        reason = unmapped_reason(record.rank, record.country)
        if reason:
            click.echo(reason, err=True)


@contact.command("list")
@click.option("--country", help="Only contacts from this country.")
@click.option("--org", "org_id", help="Only contacts of this organization.")
@list_options
@pass_app
def list_(app: AppContext, /, country: str | None, org_id: str | None, **opts: Any) -> None:
    """List contacts by name.

    Example: liaison-desk contact list --country FR --max-marking RESTRICTED
    """
    store = app.open_vault().store
    where = given(country=country.upper() if country else None, org_id=org_id)
    rows = list_page(store, Contact, build_query(store, opts, where))
    output.records(rows, ("id", "full_name", "rank", "country", "marking"), opts["as_json"])


@contact.command("show")
@click.argument("contact_id")
@json_option
@pass_app
def show(app: AppContext, /, contact_id: str, as_json: bool) -> None:
    """Show one contact with its meetings and open follow-ups.

    Example: liaison-desk contact show 01934b2e-…
    """
    vault = app.open_vault()
    detail = record_detail(vault.store, vault.clock, CONTACT, contact_id, limit=relations.ALL)
    assert detail.standing is not None  # a contact's detail has it
    extra: dict[str, Any] = {"last_contact": detail.standing.last_contact}
    if detail.record.rank:
        code = nato_code_of(detail.record)
        extra["rank_code"] = code if as_json or code else NOT_MAPPED
    if as_json or detail.standing.overdue:
        extra["overdue"] = detail.standing.overdue
    extra["meetings"] = [f"{m.starts_at}  {m.title}  ({m.id})" for m in detail.meetings]
    extra["open_followups"] = [
        f"{f.due_date or 'no date'}  {f.action}  ({f.id})" for f in detail.followups
    ]
    details = details_of(vault.store, contact_id)
    extra |= shown(details, _linked_names(vault.store, details), as_json)
    output.details(detail.record, as_json, extra)


def _linked_names(store: Store, details: ContactDetails) -> dict[str, str]:
    """The names of the organizations and contacts a contact's details link to, by id."""
    names: dict[str, str] = {}
    for org_id in {p.org_id for p in details.postings if p.org_id}:
        with suppress(RecordNotFound):
            names[org_id] = store.get(Organization, org_id).name
    for other_id in {r.other_id for r in details.relations if r.other_id}:
        with suppress(RecordNotFound):
            names[other_id] = store.get(Contact, other_id).full_name
    return names


@contact.command("edit")
@click.argument("contact_id")
@click.option("--name", "full_name", help="Full name.")
@_contact_fields
@pass_app
def edit(app: AppContext, /, contact_id: str, **fields: Any) -> None:
    """Change the given fields; an empty value clears a field.

    A detail option (--phone, --email, --address, --web, --im, --posting, --relation)
    replaces every detail of its kind; --phone "" removes them all.

    Example: liaison-desk contact edit 01934b2e-… --rank "Brigadier General" --notes ""
    """
    store = app.open_vault().store
    fields = changes(**fields)
    with store.transaction():
        held = store.get(Contact, contact_id)
        fields = rank_changes(fields, held)
        details = details_from(store, fields, details_of(store, contact_id))
        if fields:
            held = store.update(Contact, contact_id, fields)
        if details is not None:
            save_details(store, contact_id, details)
    if "rank" in fields:
        _say_if_not_mapped(held)


@contact.command("delete")
@click.argument("contact_id")
@pass_app
def delete(app: AppContext, /, contact_id: str) -> None:
    """Delete a contact (it disappears from lists and search).

    Example: liaison-desk contact delete 01934b2e-…
    """
    app.open_vault().store.delete(Contact, contact_id)


@contact.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--on-duplicate",
    type=click.Choice(POLICIES),
    default="skip",
    show_default=True,
    help="For a card that repeats a contact (same UID, same email, or same name and "
    "organization): merge it in (fill empty fields, add phones and emails), skip it, or "
    "create it anyway.",
)
@click.option("--marking", help="Marking for cards that carry none (default: the lowest).")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show what would be created, merged, skipped and left out; import nothing.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Import every card or none: a card that cannot be read or is refused, or a "
    "value, refuses the whole file.",
)
@json_option
@pass_app
def import_(
    app: AppContext,
    /,
    file: Path,
    on_duplicate: str,
    marking: str | None,
    dry_run: bool,
    strict: bool,
    as_json: bool,
) -> None:
    """Import contacts from a vCard file (2.1, 3.0 or 4.0).

    A card that cannot be read or that the vault refuses is left out and reported
    with its line; the others come in (--strict: all or nothing). Organizations
    (with their units) are created as needed; photos are kept in the vault.

    Example: liaison-desk contact import phone-contacts.vcf --on-duplicate merge
    """
    vault = app.open_vault()
    with progress_line("Reading cards") as line:
        cards = read_vcards(file, line, strict=strict)
    if dry_run:
        found = preview(vault.store, cards, marking or "", strict=strict)
        _show_preview(found, on_duplicate, as_json)
        return
    with progress_line("Importing") as line:
        summary = apply_import(
            vault,
            cards,
            on_duplicate=on_duplicate,
            marking=marking or "",
            progress=line,
            strict=strict,
        )
    if as_json:
        output.emit_json(
            {
                "created": summary.created,
                "merged": summary.merged,
                "skipped": summary.skipped,
                "organizations": summary.organizations,
                "photos": summary.photos,
                **_left_out_json(summary.left_out, summary.dropped, summary.not_kept),
            }
        )
        return
    click.echo(summary.sentence())
    _show_left_out(file.name, summary.left_out, summary.dropped, summary.not_kept)


def _left_out_json(
    skipped: Sequence[Problem], dropped: Sequence[Problem], not_kept: NotKept
) -> dict[str, Any]:
    def rows(problems: Sequence[Problem]) -> list[dict[str, Any]]:
        return [{"line": p.line, "name": p.name, "reason": p.reason} for p in problems]

    return {
        "left_out": rows(skipped),
        "values_left_out": rows(dropped),
        "not_kept": dict(not_kept),
    }


def _show_left_out(
    source: str, skipped: Sequence[Problem], dropped: Sequence[Problem], not_kept: NotKept
) -> None:
    """Each card and value left out with its line and why, then what the vault does not keep."""
    for heading, problems in (("Left out", skipped), ("Left out of a card", dropped)):
        for problem in problems:
            who = f" ({problem.name})" if problem.name else ""
            click.echo(f"{heading}{who}: {problem.sentence(source)}")
    if not_kept:
        click.echo(f"Not kept (no place in the vault): {not_kept_text(not_kept)}.")


def _show_preview(found: Preview, on_duplicate: str, as_json: bool) -> None:
    rows = [
        {
            "line": row.card.line,
            "name": row.card.full_name,
            "organization": " / ".join(row.card.organization),
            "email": row.card.emails[0] if row.card.emails else "",
            "action": on_duplicate if row.duplicate else "create",
            "duplicate_of": row.duplicate.name if row.duplicate else "",
            "because": row.duplicate.reason if row.duplicate else "",
        }
        for row in found.rows
    ]
    if as_json:
        output.emit_json(
            {"cards": rows, **_left_out_json(found.skipped, found.dropped, found.not_kept)}
        )
        return
    output.table(
        rows, ("line", "name", "organization", "email", "action", "duplicate_of", "because")
    )
    _show_left_out(found.source, found.skipped, found.dropped, found.not_kept)
    new = len(found.rows) - found.duplicates
    click.echo(
        f"{plural(len(found.rows), 'card')}: {new:,} to create, "
        f"{plural(found.duplicates, 'duplicate')} to {on_duplicate}, "
        f"{plural(found.new_organizations, 'new organization')}; "
        f"{plural(len(found.skipped), 'card')} left out. Nothing was imported (--dry-run)."
    )


@contact.command("export")
@out_argument
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("vcard", "csv")),
    help="vcard or csv (default: from the file name, .vcf or .csv).",
)
@click.option(
    "--vcard-version",
    type=click.Choice(("3.0", "4.0")),
    default="3.0",
    show_default=True,
    help="vCard version (3.0 is read by every phone and mail program).",
)
@click.option("--country", help="Only contacts from this country.")
@click.option("--org", "org_id", help="Only contacts of this organization.")
@export_filters
@columns_option
@pass_app
def export(
    app: AppContext,
    /,
    file: Path,
    fmt: str | None,
    vcard_version: str,
    country: str | None,
    org_id: str | None,
    columns: str | None,
    **opts: Any,
) -> None:
    """Write contacts to a vCard or CSV file, NOT encrypted, at your explicit request.

    Takes every contact the filters match (as `contact list` would show them, all pages).

    Example: liaison-desk contact export --format vcard --country FR contacts-fr.vcf
    """
    fmt = format_of(file, fmt, {".vcf": "vcard", ".vcard": "vcard", ".csv": "csv"})
    vault = app.open_vault()
    store = vault.store
    where = given(country=country.upper() if country else None, org_id=org_id)
    query = export_query(store, opts, where)
    if fmt == "vcard":
        with progress_line("Writing cards") as line:
            data, count = vcard_bytes(store, query, vcard_version, line)
    else:
        names = column_list(columns, CSV_COLUMNS)
        rows = list(record_rows(store, Contact, query, names))
        data, count = csv_bytes(names, rows), len(rows)
    size = write_export(vault, file, data, kind="contact", format=fmt, count=count)
    wrote(file, plural(count, "contact"), size)
