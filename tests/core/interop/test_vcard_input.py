"""vCard files as old phones and Outlook write them: code pages declared or not, UTF-16,
CR CR LF, quoted-printable habits; a bad card left out with its line, the rest read; and
every property the vault has no place for counted, never dropped without a word."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from liaison_desk.core.errors import ImportFormatError
from liaison_desk.core.interop.import_report import not_kept_text
from liaison_desk.core.interop.text_input import guess_code_page, read_file
from liaison_desk.core.interop.vcard import parse_vcards, read_vcards
from tests.core.interop.conftest import FIXTURES


def card(*lines: str, version: str = "2.1") -> str:
    return "\r\n".join(("BEGIN:VCARD", f"VERSION:{version}", *lines, "END:VCARD")) + "\r\n"


def write(tmp_path: Path, data: bytes, name: str = "export.vcf") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# -- encodings -------------------------------------------------------------------------------


def test_outlook_ansi_with_windows_1252_declared_on_its_lines(tmp_path: Path) -> None:
    text = card(
        "N;CHARSET=Windows-1252:Lefèvre;François",
        "FN;CHARSET=Windows-1252:François Lefèvre",
        "ORG:Ministère des Armées",  # the same code page, undeclared on this line
        "NOTE;CHARSET=Windows-1252;ENCODING=QUOTED-PRINTABLE:Rencontr=E9 =E0 Dakar=0D=0A=",
        "suivi =AB d=E9fense =BB",
    )
    path = write(tmp_path, text.encode("cp1252"))

    [francois] = read_vcards(path).cards

    assert francois.full_name == "François Lefèvre"
    assert francois.organization == ("Ministère des Armées",)
    assert francois.notes == "Rencontré à Dakar\nsuivi « défense »"
    assert read_file(path, what="vCard", max_bytes=10_000).code_page == "cp1252"


def test_a_windows_code_page_without_any_declaration_is_recognised(tmp_path: Path) -> None:
    polish = card(
        "FN:Zofia Wójcik",
        "ORG:Ministerstwo Obrony Narodowej;Departament Współpracy Zagranicznej",
        "NOTE:Spotkanie w Łodzi, bardzo zainteresowana współpracą szkoleniową. "
        "Zaproszenie na ćwiczenia w przyszłym roku; żołnierze z jednostki w Gdańsku.",
    )
    path = write(tmp_path, polish.encode("cp1250"))

    [zofia] = read_vcards(path).cards
    [francois] = read_vcards(FIXTURES / "windows-1252.vcf").cards

    assert zofia.organization[1] == "Departament Współpracy Zagranicznej"
    assert zofia.notes is not None and "Łodzi" in zofia.notes and "Gdańsku" in zofia.notes
    assert francois.full_name == "François Lefèvre"  # cp1252, not cp1250's "Lefčvre"


def test_a_few_accents_alone_read_as_windows_1252() -> None:
    for name in ("Lefèvre", "José Núñez", "Müller"):
        assert guess_code_page(f"FN:{name}\r\n".encode("cp1252")) == "cp1252"


@pytest.mark.parametrize(
    "encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"], ids=str
)
def test_unicode_files_with_or_without_a_byte_order_mark(tmp_path: Path, encoding: str) -> None:
    path = write(
        tmp_path, card("FN:渡辺 結衣", "NOTE:Zofia Wójcik", version="3.0").encode(encoding)
    )

    [yui] = read_vcards(path).cards

    assert (yui.full_name, yui.notes) == ("渡辺 結衣", "Zofia Wójcik")


def test_damaged_utf16_is_refused_naming_the_line(tmp_path: Path) -> None:
    data = codecs.BOM_UTF16_LE + "BEGIN:VCARD\r\nFN:A\r\n".encode("utf-16-le") + b"\x00\xd8A\x00"
    path = write(tmp_path, data)

    with pytest.raises(ImportFormatError, match=r"export\.vcf, line 3: the text is damaged"):
        read_vcards(path)


def test_iphone_cr_cr_lf_line_ends(tmp_path: Path) -> None:
    text = card("FN:Yui Mori", "TEL;type=CELL:+81 90 1234 5678", "NOTE:first\\nsecond")
    path = write(tmp_path, text.replace("\r\n", "\r\r\n").encode())

    found = read_vcards(path)

    [yui] = found.cards
    assert (yui.full_name, yui.phones, yui.notes) == (
        "Yui Mori",
        ("+81 90 1234 5678",),
        "first\nsecond",
    )
    assert found.cards[0].line == 1


def test_old_android_quoted_printable_with_soft_breaks_and_a_stray_byte() -> None:
    text = card(
        "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=91=C3=BA=C3=B1ez;Jos=",
        "=C3=A9;;;",
        "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Jos=C3=A9 =C3=91=C3=BA=C3=B1ez",
        "ORG;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Armada Espa=C3=B1ola=",
        "=80",
        "",
        "TEL;CELL;PREF:+34 600 000 000",
    )

    found = parse_vcards(text, "android.vcf")

    [jose] = found.cards
    assert jose.full_name == "José Ñúñez"
    assert jose.organization == ("Armada Española\ufffd",)
    assert jose.phones == ("+34 600 000 000",)
    [damaged] = found.dropped
    assert (damaged.line, damaged.name) == (6, "José Ñúñez")
    assert "replaced" in damaged.reason


def test_quoted_printable_without_a_charset_in_the_files_code_page() -> None:
    text = card("FN;ENCODING=QUOTED-PRINTABLE:J=FCrgen M=FCller", "NOTE;QUOTED-PRINTABLE:caf=C3=A9")

    [juergen] = parse_vcards(text, "outlook.vcf").cards

    assert (juergen.full_name, juergen.notes) == ("Jürgen Müller", "café")


def test_an_unknown_declared_charset_falls_back_instead_of_refusing() -> None:
    text = card("FN;CHARSET=x-mac-klingon;ENCODING=QUOTED-PRINTABLE:Ren=C3=A9")

    [rene] = parse_vcards(text, "x.vcf").cards

    assert rene.full_name == "René"


# -- cards left out, the rest read -------------------------------------------------------------


def test_a_bad_card_among_good_ones_is_left_out_with_its_line_and_reason() -> None:
    text = (
        card("FN:Anna")
        + "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Broken\r\nthis is no property\r\nEND:VCARD\r\n"
        + card("FN:Bruno")
        + "BEGIN:VCARD\r\nFN:Cut short\r\n"  # END:VCARD missing before the next card
        + card("FN:Chloé")
        + "BEGIN:VCARD\r\nFN:Wrong end\r\nEND:VCALENDAR\r\n"
        + card("FN:Dmitri")
    )

    found = parse_vcards(text, "mixed.vcf")

    assert [c.full_name for c in found.cards] == ["Anna", "Bruno", "Chloé", "Dmitri"]
    assert [p.sentence("mixed.vcf") for p in found.skipped] == [
        "mixed.vcf, line 8: this line is not a vCard property (NAME:value).",
        "mixed.vcf, line 14: the card opened here has no END:VCARD before the next one (line 16).",
        "mixed.vcf, line 22: this END line does not close the card opened at line 20.",
    ]
    assert found.cards[3].line == 23
    with pytest.raises(ImportFormatError, match=r"mixed\.vcf, line 8: this line is not"):
        parse_vcards(text, "mixed.vcf", strict=True)


def test_a_calendar_inside_a_vcard_file_is_left_out_whole() -> None:
    text = (
        card("FN:Anna")
        + "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        + card("FN:Bruno")
    )

    found = parse_vcards(text, "x.vcf")

    assert [c.full_name for c in found.cards] == ["Anna", "Bruno"]
    assert [p.reason for p in found.skipped] == ["a VCALENDAR here is not a card."]


def test_a_vcard_21_agent_card_inside_is_not_read_and_is_reported() -> None:
    text = card("FN:Chief", "AGENT:", "BEGIN:VCARD", "FN:Assistant", "END:VCARD", "TEL:+1 555 0100")

    found = parse_vcards(text, "x.vcf")

    [chief] = found.cards
    assert (chief.full_name, chief.phones) == ("Chief", ("+1 555 0100",))
    assert found.not_kept == (("AGENT", 1),)


# -- not kept ----------------------------------------------------------------------------------


def test_properties_with_no_place_in_the_vault_are_counted_by_card() -> None:
    text = (
        card("FN:A", "item1.EMAIL:a@example.org", "item1.X-ABLabel:_$!<Other>!$_", "GEO:1;2")
        + card("FN:B", "item1.URL:https://b.example", "item1.X-ABLabel:blog", "GEO:3;4", "REV:1")
        + card("FN:C", "ORG:First", "ORG:Second", "PRODID:-//x//EN", "item2.X-ABLabel:x")
    )

    found = parse_vcards(text, "apple.vcf")

    assert [p.label for c in found.cards for p in c.points] == ["other", "blog"]
    assert found.not_kept == (("GEO", 2), ("ORG", 1), ("X-ABLabel", 1))  # REV, PRODID: the file's
    assert not_kept_text(found.not_kept) == "GEO in 2 cards, ORG in 1 card, X-ABLabel in 1 card"


def test_every_property_we_write_is_kept() -> None:
    found = parse_vcards(
        card(
            "FN:A",
            "N:A;;;Col.;",
            "TITLE:Attaché",
            "ORG:X;Y",
            "TEL:+1 555",
            "EMAIL:a@example.org",
            "ADR:;;1 Rue;Paris;;75001;FR",
            "LANG:fr",
            "CATEGORIES:a,b",
            "NOTE:n",
            "UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1",
            "X-LIAISON-HOW-MET:h",
            "X-LIAISON-TRUST-NOTES:t",
            "X-LIAISON-CADENCE-DAYS:30",
            "X-LIAISON-MARKING:RESTRICTED",
            "X-LIAISON-COUNTRY:FR",
            version="4.0",
        ),
        "ours.vcf",
    )

    assert len(found.cards) == 1 and found.not_kept == ()
