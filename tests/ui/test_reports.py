"""The PDF reports themselves, read back with pypdf: Chinese, Japanese and Korean names drawn
with real glyphs of an embedded CJK font, follow-ups in due-date order, and headings inside
a meeting's notes smaller than the report's own."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream, DictionaryObject
from PySide6.QtCore import QByteArray
from PySide6.QtGui import QRawFont

from liaison_desk.core.interop.report_data import meeting_report, period_report
from liaison_desk.core.records import Contact, FollowUp, Meeting, Participant
from liaison_desk.core.vault import Vault
from liaison_desk.ui.reports import render_pdf

NAMES = {"Chinese": "王小明", "Japanese": "渡辺さくら", "Korean": "김민준"}


def _pdf(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def _text(reader: PdfReader) -> str:
    """Every page's text with the white space taken out: a change of font between two
    characters may read back as a tab or a line break."""
    return "".join("".join((p.extract_text() or "").split()) for p in reader.pages)


KANA, HAN, HANGUL = (0x3040, 0x30FF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3)


def _is_cjk(char: str) -> bool:
    return any(lo <= ord(char) <= hi for lo, hi in (KANA, HAN, HANGUL))


@dataclass
class Drawn:
    """What a page draws with one font: its name, glyph ids, and its embedded file."""

    base_font: str
    glyphs: list[int]
    font_file: bytes | None


def _drawn(reader: PdfReader) -> Iterator[Drawn]:
    """Per font, the glyph ids the content streams show (Qt writes Identity-H: two bytes a
    glyph), with the TrueType file embedded for it."""
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        by_font: dict[str, list[int]] = {}
        current = ""
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                current = str(operands[0])
            elif operator in (b"Tj", b"TJ"):
                strings = operands[0] if operator == b"TJ" else [operands[0]]
                for s in strings:
                    raw = getattr(s, "original_bytes", None)
                    if raw is not None:
                        ids = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
                        by_font.setdefault(current, []).extend(ids)
        for name, glyphs in by_font.items():
            font = fonts[name].get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor: DictionaryObject = descendant["/FontDescriptor"].get_object()
            stream = descriptor.get("/FontFile2")
            data = stream.get_object().get_data() if stream is not None else None
            yield Drawn(str(font["/BaseFont"]), glyphs, data)


@pytest.fixture
def talks(vault: Vault) -> str:
    store = vault.store
    meeting = store.add(
        Meeting(
            title="Regional security talks",
            starts_at="2026-03-14T09:30:00Z",
            timezone="Asia/Tokyo",
            notes="# Agenda\n\nThe ports.\n\n## Points\n\n- Exercises.\n\n### Detail\n\nDates.",
        )
    )
    for name in NAMES.values():
        contact = store.add(Contact(full_name=name))
        store.add(Participant(meeting_id=meeting.id, contact_id=contact.id))
    return meeting.id


def test_chinese_japanese_and_korean_names_read_back_drawn_in_the_cjk_font(
    qapp: object, vault: Vault, talks: str
) -> None:
    pdf, _ = render_pdf(meeting_report(vault, talks))
    reader = _pdf(pdf)

    text = _text(reader)
    assert all(name in text for name in NAMES.values()), text  # a missing glyph reads "\x00"
    drawn = {d.base_font: d for d in _drawn(reader)}
    [cjk] = [d for name, d in drawn.items() if "WenQuanYiMicroHei" in name]
    cjk_chars = sum(_is_cjk(c) for name in NAMES.values() for c in name)
    assert len(cjk.glyphs) == cjk_chars  # the names, and nothing else, in the CJK font
    assert cjk.font_file is not None  # embedded: the reader's machine needs no font
    embedded = QRawFont(QByteArray(cjk.font_file), 12)
    assert embedded.isValid()
    for glyph in cjk.glyphs:
        assert glyph != 0  # glyph 0 is .notdef, the empty box ("tofu")
        assert not embedded.pathForGlyph(glyph).isEmpty()  # and it has an outline


def test_a_report_without_cjk_names_embeds_no_cjk_font(qapp: object, vault: Vault) -> None:
    meeting = vault.store.add(Meeting(title="Staff talks", starts_at="2026-03-14T09:30:00Z"))
    helene = vault.store.add(Contact(full_name="Hélène Girard"))
    vault.store.add(Participant(meeting_id=meeting.id, contact_id=helene.id))

    pdf, _ = render_pdf(meeting_report(vault, meeting.id))

    assert {d.base_font for d in _drawn(_pdf(pdf))} == {"/DejaVuSans", "/DejaVuSans-Bold"}


def _sizes(reader: PdfReader) -> dict[str, float]:
    """Each line of text on the first page and the size it is drawn at, in points."""
    sizes: dict[str, float] = {}

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])
            sizes.setdefault(" ".join(text.split()), size * scale)

    reader.pages[0].extract_text(visitor_text=visit)
    return sizes


def test_headings_in_the_notes_are_smaller_than_the_reports_own(
    qapp: object, vault: Vault, talks: str
) -> None:
    sizes = _sizes(_pdf(render_pdf(meeting_report(vault, talks))[0]))

    title, section, body = sizes["Regional security talks"], sizes["Notes"], sizes["The ports."]
    notes = [sizes["Agenda"], sizes["Points"], sizes["Detail"]]  # "#", "##", "###"
    assert title > section > max(notes)  # even "# Agenda" stays below the report's "Notes"
    assert notes == sorted(notes, reverse=True) and min(notes) >= body
    assert sizes["Agenda"] > body  # a heading still stands out from the text


def test_followups_read_in_due_date_order_whichever_meeting_they_came_from(
    qapp: object, vault: Vault, talks: str
) -> None:
    store = vault.store
    later = store.add(Meeting(title="Follow-on call", starts_at="2026-03-20T01:00:00Z"))
    contact = store.add(Contact(full_name="Park Ji-woo", country="KR"))
    first_meeting = store.get(Meeting, talks)
    store.add(Participant(meeting_id=later.id, contact_id=contact.id))
    store.add(Participant(meeting_id=first_meeting.id, contact_id=contact.id))
    for action, meeting_id, due in (
        ("Book the hall", talks, "2026-06-01"),
        ("Send the minutes", talks, None),
        ("Confirm the ships", later.id, "2026-04-15"),
        ("Share the charts", talks, "2026-03-25"),
        ("Ask for visas", later.id, "2026-05-01"),
    ):
        store.add(FollowUp(action=action, meeting_id=meeting_id, due_date=due))

    meeting_text = _text(_pdf(render_pdf(meeting_report(vault, talks))[0]))
    period = period_report(vault, start="2026-03-01", end="2026-03-31", country="KR")
    period_text = _text(_pdf(render_pdf(period)[0]))

    def order(text: str, actions: list[str]) -> list[str]:
        return sorted(actions, key=lambda action: text.index("".join(action.split())))

    in_meeting = ["Share the charts", "Book the hall", "Send the minutes"]
    assert order(meeting_text, in_meeting) == in_meeting
    everything = [
        "Share the charts",  # 25 March, from the talks
        "Confirm the ships",  # 15 April, from the call
        "Ask for visas",
        "Book the hall",
        "Send the minutes",  # no date
    ]
    assert order(period_text, everything) == everything
    assert "Theports." in period_text  # the notes' first paragraph,
    assert "#" not in period_text and "Agenda" not in period_text  # not their heading
