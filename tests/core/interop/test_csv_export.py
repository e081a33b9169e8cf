"""CSV: what a list shows, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest

from liaison_desk.core.errors import ValidationError
from liaison_desk.core.interop.csv_export import csv_bytes, guard, record_rows
from liaison_desk.core.records import Contact, Meeting, Organization, Participant
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("+33 1 23 45 67 89", "+33 1 23 45 67 89"),
        ("+33 1 23; +49 30 1", "+33 1 23; +49 30 1"),
        ("-12.5", "-12.5"),
        ("Hélène Girard", "Hélène Girard"),
    ],
)
def test_formulas_are_defused_and_numbers_left_alone(text: str, safe: str) -> None:
    assert guard(text) == safe


def test_file_is_utf8_with_bom_crlf_and_quoted_where_needed() -> None:
    data = csv_bytes(
        ["Name", "Phones"], [["Girard, Hélène", ("+33 1", "+33 6")], [None, "line\nbreak"]]
    )

    assert data.startswith(b"\xef\xbb\xbfName,Phones\r\n")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["Name", "Phones"], ["Girard, Hélène", "+33 1; +33 6"], ["", "line\nbreak"]]


def test_rows_of_every_matching_record_with_derived_columns_and_the_whole_organization_path(
    vault: Vault,
) -> None:
    ministry = vault.store.add(Organization(name="Ministère des Armées", country="FR"))
    org = vault.store.add(Organization(name="DGRIS", parent_id=ministry.id))
    contacts = vault.store.add_many(
        Contact(full_name=f"Person {i:04d}", org_id=org.id if i % 2 else None, country="FR")
        for i in range(1_205)
    )
    meeting = vault.store.add(Meeting(title="Talks", starts_at="2026-03-14T09:30:00Z"))
    vault.store.add_many(Participant(meeting_id=meeting.id, contact_id=c.id) for c in contacts[:2])

    rows = list(
        record_rows(
            vault.store,
            Contact,
            ListQuery(where={"country": "FR"}, limit=1),
            ("full_name", "organization"),
        )
    )
    [talks] = record_rows(vault.store, Meeting, ListQuery(), ("title", "participants"))

    assert len(rows) == 1_205  # every page, not the query's limit
    assert rows[:2] == [["Person 0000", None], ["Person 0001", "Ministère des Armées / DGRIS"]]
    assert talks == ["Talks", ["Person 0000", "Person 0001"]]
    with pytest.raises(ValidationError, match="no column data"):
        list(record_rows(vault.store, Contact, ListQuery(), ("data",)))
