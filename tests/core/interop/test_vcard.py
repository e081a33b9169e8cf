"""Reading vCards as Apple Contacts, Google, Outlook and CardDAV servers write them; writing
them back; refusing broken files with the line named."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liaison_desk.core.errors import FileRefused, ImportFormatError
from liaison_desk.core.interop.text_input import read_text
from liaison_desk.core.interop.vcard import Card, Photo, parse_vcards, read_vcards
from liaison_desk.core.interop.vcard_fields import Job, Point, Relative
from liaison_desk.core.interop.vcard_writer import write_card
from tests.core.interop.conftest import FIXTURES

JPEG_MAGIC = b"\xff\xd8\xff"


def address(card: Card) -> tuple[str | None, ...]:
    """The label, street, postcode, locality and country of the card's first address."""
    first = next(p for p in card.points if p.channel == "address")
    return first.label, first.street, first.postcode, first.locality, first.country


def test_apple_contacts_card_with_groups_units_and_a_folded_photo() -> None:
    helene, embassy = read_vcards(
        FIXTURES / "apple-contacts-3.0.vcf"
    ).cards  # the group card is left out

    assert helene.full_name == "Hélène Girard"
    assert helene.rank == "Colonel"
    assert helene.position == "Chef du bureau Afrique"
    assert helene.organization == (
        "Ministère des Armées",
        "Direction générale des relations internationales et de la stratégie",
    )
    assert helene.emails == ("helene.girard@defense.gouv.example", "h.girard@example.fr")
    assert helene.phones == ("+33 6 12 34 56 78", "+33 1 44 42 30 11")  # type=pref first
    assert address(helene) == ("work", "14 rue Saint-Dominique", "75007", "Paris", "France")
    assert [(p.label, p.value) for p in helene.points if p.channel == "email"] == [
        ("other", "helene.girard@defense.gouv.example"),  # Apple's _$!<Other>!$_
        ("home", "h.girard@example.fr"),
    ]
    assert helene.country == "FR"  # from Apple's X-ABADR of the same item group
    assert helene.notes == (
        "Rencontrée à la réception du 14 juillet, présentée par l'attaché naval. Parle "
        "couramment anglais et portugais.\nSuit le dossier de coopération navale."
    )
    assert helene.tags == ("Defence", "Paris")
    assert helene.photo is not None
    assert helene.photo.mime == "image/jpeg"
    assert helene.photo.data.startswith(JPEG_MAGIC) and len(helene.photo.data) == 632
    assert embassy.full_name == "Ambassade du Japon"
    assert embassy.organization == ("Ambassade du Japon", "Section de défense")


def test_google_export_with_lf_line_ends_and_a_remote_photo() -> None:
    wanjiru, otieno = read_vcards(FIXTURES / "google-contacts-3.0.vcf").cards

    assert wanjiru.full_name == "Wanjiru Mwangi"
    assert address(wanjiru) == ("work", "Ulinzi House, Lenana Road", "00100", "Nairobi", "KE")
    assert wanjiru.country == "KE"
    assert wanjiru.photo is None  # a link: never fetched
    assert wanjiru.tags == ("myContacts", "Defence")
    assert otieno.organization == ("Kenya Defence Forces",)


def test_outlook_vcard_21_with_quoted_printable_soft_breaks_and_base64_photo() -> None:
    [juergen] = read_vcards(FIXTURES / "outlook-2.1.vcf").cards

    assert juergen.full_name == "Dr. Jürgen Müller"
    assert juergen.rank == "Dr."
    assert juergen.position == "Referatsleiter Sicherheitspolitik Afrika südlich der Sahara"
    assert juergen.phones == ("+49 30 2004 8000", "+49 170 1234567")
    assert juergen.emails == ("juergen.mueller@bmvg.example.de",)
    assert address(juergen) == ("work", "Stauffenbergstraße 18", "10785", "Berlin", "Deutschland")
    assert [p.value for p in juergen.points if p.channel == "address"] == [
        "Stauffenbergstraße 18\nBerlin 10785\nDeutschland"  # its LABEL line
    ]
    assert (juergen.name_prefix, juergen.given_name, juergen.family_name) == (
        "Dr.",
        "Jürgen",
        "Müller",
    )
    assert juergen.notes == (
        "Erstes Treffen bei den Stabsgesprächen in Bonn; sehr interessiert an gemeinsamer "
        "Ausbildung.\nFolgetermin im Herbst vereinbart."
    )
    assert juergen.photo is not None and juergen.photo.data.startswith(JPEG_MAGIC)


def test_vcard_40_with_tel_uris_data_uri_photo_and_languages() -> None:
    [yui] = read_vcards(FIXTURES / "vcard-4.0.vcf").cards  # KIND:group card left out

    assert yui.full_name == "渡辺 結衣"
    assert yui.rank == "一等海佐"
    assert yui.organization == ("防衛省", "海上幕僚監部", "国際業務室")
    assert yui.phones == ("+81-90-1234-5678", "+81-3-3268-3111")
    assert yui.languages == ("ja", "en")
    assert yui.country == "JP"
    assert yui.uid == "4fbe8971-0bc3-424c-9c26-36c3e1eff6b1"
    assert yui.photo is not None and yui.photo.mime == "image/png"
    assert yui.photo.data.startswith(b"\x89PNG")
    assert yui.notes is not None and yui.notes.endswith("Next: naval staff talks, Yokosuka.")


@pytest.mark.parametrize(
    ("fixture", "line", "reason"),
    [
        ("truncated.vcf", 14, "the file ends inside the card opened at line 1"),
        ("not-a-property.vcf", 5, "this line is not a vCard property"),
    ],
)
def test_a_broken_card_is_left_out_with_its_line_and_strict_refuses_the_file(
    tmp_path: Path, fixture: str, line: int, reason: str
) -> None:
    path = tmp_path / fixture
    good = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Lukas Vogel\r\nEND:VCARD\r\n"
    path.write_text(good + (FIXTURES / fixture).read_text(encoding="utf-8"), encoding="utf-8")
    line += 4

    found = read_vcards(path)

    assert [c.full_name for c in found.cards] == ["Lukas Vogel"]
    [problem] = found.skipped
    assert problem.line == line and problem.reason.startswith(reason.replace("line 1", "line 5"))
    with pytest.raises(ImportFormatError, match=rf"{fixture}, line {line}: "):
        read_vcards(path, strict=True)
    with pytest.raises(ImportFormatError, match=rf"{fixture}, line {line - 4}: {reason}"):
        read_vcards(FIXTURES / fixture)  # no card can be read: the file is refused


def test_a_damaged_photo_is_left_out_and_the_card_comes_in() -> None:
    found = read_vcards(FIXTURES / "bad-photo.vcf")

    [card] = found.cards
    assert (card.full_name, card.photo) == ("Jonas Schäfer", None)
    [problem] = found.dropped
    assert (problem.line, problem.name) == (4, "Jonas Schäfer")
    assert problem.reason.startswith("the photo is not valid base64 data")
    with pytest.raises(ImportFormatError, match=r"bad-photo\.vcf, line 4: the photo is not"):
        read_vcards(FIXTURES / "bad-photo.vcf", strict=True)


def test_binary_empty_and_foreign_files_are_refused(tmp_path: Path) -> None:
    binary = tmp_path / "photo.vcf"
    binary.write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    empty = tmp_path / "empty.vcf"
    empty.write_bytes(b"\r\n  \r\n")
    calendar = tmp_path / "calendar.vcf"
    calendar.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
    stray = tmp_path / "stray.vcf"
    stray.write_text("BEGIN:VCARD\nFN:A\nEND:VCARD\nNOTE:outside\nBEGIN:VCARD\nFN:B\nEND:VCARD\n")

    with pytest.raises(ImportFormatError, match=r"photo\.vcf, line 5: binary data"):
        read_vcards(binary)
    with pytest.raises(ImportFormatError, match=r"empty\.vcf is empty"):
        read_vcards(empty)
    with pytest.raises(ImportFormatError, match=r"calendar\.vcf holds no vCard"):
        read_vcards(calendar)
    found = read_vcards(stray)
    assert [c.full_name for c in found.cards] == ["A", "B"]
    assert [(p.line, p.reason[:22]) for p in found.skipped] == [(4, "this line is outside a")]
    with pytest.raises(ImportFormatError, match=r"stray\.vcf, line 4: this line is outside"):
        read_vcards(stray, strict=True)


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    huge = tmp_path / "everyone.vcf"
    with huge.open("wb") as out:
        out.truncate(300_000_000)  # sparse: nothing is written, nothing would be read

    with pytest.raises(FileRefused, match=r"everyone\.vcf is 300 MB; vCard files over 256 MB"):
        read_vcards(huge)


def test_utf16_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "windows.vcf"
    path.write_bytes(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zofia Wójcik\r\nEND:VCARD\r\n".encode("utf-16")
    )

    assert read_text(path, what="vCard", max_bytes=10_000).startswith("BEGIN:VCARD")
    assert [c.full_name for c in read_vcards(path).cards] == ["Zofia Wójcik"]


def test_a_card_without_any_name_is_left_out() -> None:
    text = (
        "BEGIN:VCARD\nVERSION:3.0\nFN:A\nEND:VCARD\nBEGIN:VCARD\nVERSION:3.0\nNOTE:x\nEND:VCARD\n"
    )

    found = parse_vcards(text, "x.vcf")

    assert [c.full_name for c in found.cards] == ["A"]
    assert [p.sentence("x.vcf") for p in found.skipped] == [
        "x.vcf, line 5: the card starting here has no name (FN, N, ORG or EMAIL)."
    ]
    with pytest.raises(
        ImportFormatError, match=r"x\.vcf, line 5: the card starting here has no name"
    ):
        parse_vcards(text, "x.vcf", strict=True)


def test_progress_reaches_the_total() -> None:
    text = "".join(f"BEGIN:VCARD\nVERSION:3.0\nFN:Person {i}\nEND:VCARD\n" for i in range(600))
    seen: list[tuple[int, int]] = []

    parse_vcards(text, "x.vcf", lambda done, total: seen.append((done, total)))

    assert seen[-1] == (600, 600)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


# -- writing -----------------------------------------------------------------------------------

_TEXT = (
    st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=40)
    .map(str.strip)
    .filter(bool)
)
_LINES = st.lists(_TEXT, min_size=1, max_size=3).map("\n".join)
_OPTIONAL = st.none() | _TEXT


_WORD = st.text("abcdefghijklmnopqrstuvwxyzéü", min_size=1, max_size=12)
_DIGITS = st.text("0123456789", min_size=3, max_size=12)
_LABEL = st.none() | st.sampled_from(
    ["work", "home", "mobile", "fax", "pager", "main", "other", "AssistantPhone", "school"]
)
_PREF = st.none() | st.integers(1, 3)
_DAY = st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))
_DATE = st.none() | _DAY.map(dt.date.isoformat) | _DAY.map(lambda d: d.strftime("--%m-%d"))


@st.composite
def _points(draw: st.DrawFn) -> tuple[Point, ...]:
    phones = draw(
        st.lists(
            st.builds(
                Point,
                channel=st.just("phone"),
                label=_LABEL,
                value=st.builds(
                    lambda d: "+" + " ".join(d), st.lists(_DIGITS, min_size=1, max_size=3)
                ),
                extension=st.none() | st.text("0123456789", min_size=1, max_size=6),
                pref=_PREF,
            ),
            max_size=3,
        )
    )
    emails = draw(
        st.lists(
            st.builds(
                Point,
                channel=st.just("email"),
                label=_LABEL,
                value=st.builds(lambda a, b: f"{a}@{b}.example", _WORD, _WORD),
                pref=_PREF,
            ),
            max_size=2,
        )
    )
    addresses = draw(
        st.lists(
            st.builds(
                Point,
                channel=st.just("address"),
                label=_LABEL,
                value=st.none() | _LINES,
                po_box=_OPTIONAL,
                extended=_OPTIONAL,
                street=_TEXT,
                locality=_OPTIONAL,
                region=_OPTIONAL,
                postcode=_OPTIONAL,
                country=_OPTIONAL,
                pref=_PREF,
            ),
            max_size=2,
        )
    )
    webs = draw(
        st.lists(
            st.builds(
                Point,
                channel=st.just("web"),
                label=_LABEL,
                value=_WORD.map(lambda w: f"https://{w}.example/"),
            ),
            max_size=2,
        )
    )
    handles = draw(
        st.lists(
            st.builds(
                Point,
                channel=st.just("im"),
                label=st.none() | st.sampled_from(["skype", "xmpp", "Signal", "threema"]),
                value=_WORD,
            ),
            max_size=2,
        )
    )
    return (*phones, *emails, *addresses, *webs, *handles)


@st.composite
def cards(draw: st.DrawFn) -> Card:
    photo = draw(
        st.none()
        | st.builds(
            Photo, st.sampled_from(["image/jpeg", "image/png", "image/gif"]), st.binary(min_size=1)
        )
    )
    chain = st.lists(_TEXT, min_size=1, max_size=3).map(tuple)
    return Card(
        full_name=draw(_TEXT),
        name_prefix=draw(_OPTIONAL),
        given_name=draw(_OPTIONAL),
        additional_names=draw(_OPTIONAL),
        family_name=draw(_OPTIONAL),
        name_suffix=draw(_OPTIONAL),
        nicknames=tuple(draw(st.lists(_TEXT, max_size=2, unique=True))),
        aliases=tuple(draw(st.lists(_TEXT, max_size=2, unique=True))),
        rank=draw(_OPTIONAL),
        position=draw(_OPTIONAL),
        organization=tuple(draw(st.lists(_TEXT, max_size=3))),
        country=draw(st.none() | st.sampled_from(["FR", "KE", "JP"])),
        languages=tuple(
            draw(st.lists(_TEXT | st.sampled_from(["fr:C1", "en:native", "sw"]), max_size=2))
        ),
        points=draw(_points()),
        jobs=tuple(
            draw(
                st.lists(
                    st.builds(
                        Job,
                        title=_TEXT,
                        organization=st.just(()) | chain,
                        chain=st.booleans(),
                        starts_on=st.none() | st.sampled_from(["2019", "2020-03", "2021-06-01"]),
                        ends_on=st.none() | st.sampled_from(["2022", "2023-09-30"]),
                    ),
                    max_size=2,
                )
            )
        ),
        relatives=tuple(
            draw(
                st.lists(
                    st.builds(
                        Relative,
                        relation=st.sampled_from(["spouse", "deputy-of", "reports-to", "Child"]),
                        name=_TEXT,
                    )
                    | st.builds(Relative, relation=st.just("partner"), uid=st.uuids().map(str)),
                    max_size=2,
                )
            )
        ),
        birthday=draw(_DATE),
        anniversary=draw(_DATE),
        how_met=draw(st.none() | _LINES),
        trust_notes=draw(st.none() | _LINES),
        notes=draw(st.none() | _LINES),
        cadence_days=draw(st.none() | st.integers(1, 3650)),
        tags=tuple(draw(st.lists(_TEXT, max_size=3, unique=True))),
        marking=draw(st.sampled_from(["", "RESTRICTED"])),
        photo=photo,
        uid=draw(st.none() | st.uuids().map(str) | _WORD),
    )


def _content(card: Card) -> Card:
    return dataclasses.replace(card, line=0, sources=())


@settings(max_examples=60, deadline=None)
@given(card=cards(), version=st.sampled_from(["3.0", "4.0"]))
def test_written_cards_read_back_the_same(card: Card, version: str) -> None:
    [back] = parse_vcards(write_card(card, version), "round-trip.vcf").cards

    assert _content(back) == card


def test_written_lines_are_folded_and_end_in_crlf() -> None:
    card = Card(full_name="Hélène Girard", notes="é" * 200)

    text = write_card(card, "3.0")

    assert text.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
