"""The brief's PDF, read back with pypdf: what the brief holds, the marking on every page, the
charts and the photo drawn in it."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from pypdf import PdfReader
from PySide6.QtGui import QColor, QImage

from liaison_desk.core.attachments import set_photo
from liaison_desk.core.brief import Brief, brief_of, charts_of
from liaison_desk.core.demo import create_demo_vault
from liaison_desk.core.gifts import add_gift
from liaison_desk.core.records import Contact, FollowUp, Gift
from liaison_desk.core.timelines import Timeline
from liaison_desk.core.vault import Vault
from liaison_desk.ui.brief_document import brief_html, excerpt, render_brief_page, render_brief_pdf
from tests.conftest import StepClock

NOW = 1_780_000_000_000  # 2026-05-28


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    vault, _ = create_demo_vault(
        tmp_path_factory.mktemp("demo") / "demo",
        contacts=30,
        meetings=200,
        clock=StepClock(start_ms=NOW, step=0),
    )
    yield vault
    vault.lock()


def busiest(vault: Vault) -> str:
    """The demo contact with the most past meetings that has a follow-up open."""
    row = vault.conn.execute(
        "SELECT p.contact_id FROM participants p JOIN meetings m ON m.id = p.meeting_id "
        "WHERE m.summary IS NOT NULL AND EXISTS (SELECT 1 FROM followups f, "
        "json_each(f.contact_ids) j WHERE j.value = p.contact_id AND f.status = 'open') "
        "GROUP BY p.contact_id ORDER BY count(*) DESC, p.contact_id LIMIT 1"
    ).fetchone()
    return str(row[0])


def flat(text: str) -> str:
    """Text with its white space taken out: a line may break anywhere in the PDF."""
    return "".join(text.split())


@pytest.fixture(scope="module")
def brief(demo: Vault, tmp_path_factory: pytest.TempPathFactory) -> Brief:
    contact_id = busiest(demo)
    photo = QImage(120, 160, QImage.Format.Format_RGB32)
    photo.fill(QColor("#7a8fa6"))
    path = tmp_path_factory.mktemp("photo") / "face.png"
    assert photo.save(str(path))
    set_photo(demo, contact_id, path)
    name = demo.store.get(Contact, contact_id).full_name
    add_gift(
        demo.store,
        Gift(
            direction="received",
            description="Porcelain vase",
            value="900",
            currency="EUR",
            exchanged_on="2026-03-15",
            contact_ids=(contact_id,),
        ),
    )
    for owner in (None, name):  # one owed each way, whatever the demo drew
        demo.store.add(
            FollowUp(action=f"Reply owed by {owner}", owner=owner, contact_ids=(contact_id,))
        )
    return brief_of(demo, "contact", contact_id)


@pytest.fixture(scope="module")
def charts(demo: Vault, brief: Brief) -> tuple[Timeline, ...]:
    return charts_of(demo, brief)


def test_the_pdf_holds_the_rank_engagements_followups_and_protocol(
    qapp: object, brief: Brief, charts: tuple[Timeline, ...]
) -> None:
    data, pages = render_brief_pdf(brief, charts)

    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == pages >= 1
    texts = [page.extract_text() or "" for page in reader.pages]
    text = flat("".join(texts))
    person = brief.people[0].contact
    assert flat(f"{person.rank} {person.full_name}") in text
    assert flat(f"Rank{brief.people[0].rank}") in text  # with its NATO code, or "not mapped"
    assert "(OF-" in brief.people[0].rank or "(notmapped)" in flat(brief.people[0].rank)
    assert flat("Porcelain vase") in text and flat("900 EUR") in text
    for meeting in brief.engagements:
        assert flat(meeting.title) in text
        assert flat(str(meeting.summary)) in text
    assert brief.owed_by_us and brief.owed_to_us
    for followup in (*brief.owed_by_us, *brief.owed_to_us):
        assert flat(followup.action) in text
    assert len(brief.protocol) >= 3
    for ref in brief.protocol:
        assert flat(ref.title) in text
    assert flat("Engagements over time") in text
    for page in texts:  # header and footer: twice on every page
        assert flat(page).count(brief.marking) >= 2
    assert reader.metadata is not None and brief.marking in str(reader.metadata.title)


def test_the_pdf_draws_the_two_charts_and_the_photo(
    qapp: object, brief: Brief, charts: tuple[Timeline, ...]
) -> None:
    data, _ = render_brief_pdf(brief, charts)

    reader = PdfReader(io.BytesIO(data))
    images = {  # each image once, however many pages' resources name it
        item.idnum
        for page in reader.pages
        for item in page["/Resources"].get("/XObject", {}).values()
        if item.get_object()["/Subtype"] == "/Image"
    }
    assert len(images) == 3  # the contact's timeline, their country's, and the photo
    assert [t.title for t in charts] == [
        f"Engagements with {brief.people[0].contact.full_name}",
        f"Engagements with {brief.people[0].contact.country}",
    ]


def test_page_one_as_an_image_is_drawn(
    qapp: object, brief: Brief, charts: tuple[Timeline, ...]
) -> None:
    image = render_brief_page(brief, charts, 0)

    assert image.width() > 800 and image.height() > image.width()
    inked = sum(
        image.pixelColor(x, y).lightness() < 128
        for x in range(0, image.width(), 7)
        for y in range(0, image.height(), 7)
    )
    assert inked > 500


def test_what_was_typed_is_shown_as_typed_never_as_markup(qapp: object, vault: Vault) -> None:
    person = vault.store.add(Contact(full_name="<b>Bold</b> & co", how_met="<i>a</i>"))

    page = brief_html(brief_of(vault, "contact", person.id), with_photo=False)

    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in page and "<b>Bold</b>" not in page
    assert "<i>a</i>" not in page


def test_a_references_excerpt_is_its_first_paragraph_of_prose() -> None:
    body = "# Title\n\n> Sample entry.\n\nFirst words. More.\n\n- a list\n\nLater prose."
    assert excerpt(body) == "First words. More."
    long = "Sentence one. " * 100
    assert excerpt(long).endswith("one.") and len(excerpt(long)) <= 700
    assert excerpt("# Only a heading") == ""
