"""PDF reports rendered with Qt (no browser): a QTextDocument laid out page by page on a
QPdfWriter, the report's sensitivity marking drawn as header and footer on every page.

The document is built as HTML from `core.interop.report_data.Report` (every value
escaped; meeting notes, written in Markdown, converted by Qt's own Markdown
reader, their headings kept below the report's own). Text is set in DejaVu Sans,
with WenQuanYi Micro Hei for Chinese, Japanese and Korean names (both installed
by `make install` and required by the .deb). The PDF is written into memory and
handed back as bytes: the caller writes it atomically, so no plaintext page ever
lands in a temporary file.
The same painting renders a page to an image, for the screenshots.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QIODevice,
    QLineF,
    QMarginsF,
    QRectF,
    QSizeF,
    Qt,
    QUrl,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPaintDevice,
    QPainter,
    QPdfWriter,
    QPen,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtWidgets import QApplication

from liaison_desk.core.interop.report_data import Person, Report, ReportMeeting
from liaison_desk.ui.markings_style import colour

DPI = 300
MARGINS_MM = (18.0, 22.0, 18.0, 20.0)  # left, top, right, bottom: header and footer sit inside
# Asked for by name, in this order: Qt takes each character from the first family that has
# it. Left to fontconfig's fallback, a Chinese, Japanese or Korean name would be drawn in
# whatever font the machine has first, or as empty boxes. WenQuanYi Micro Hei has TrueType
# outlines, so the PDF's text reads back as typed; Noto Sans CJK (CFF) reads "小" back as the
# Kangxi radical "⼩" that shares its glyph.
FONT_FAMILIES = ("DejaVu Sans", "WenQuanYi Micro Hei")
BODY_PT = 9.5
# A heading inside a meeting's notes, by its Markdown level (deeper ones: bold body text). Qt
# would make "# Points" xx-large, above the report's title; these stay below the smallest of
# the report's own headings (h3, 11 pt in _CSS), so the notes never outrank "Notes".
NOTE_HEADING_PT = {1: 10.5, 2: 10.0}
NOTE_HEADING_SPACE_PX = 8
_MM_PER_INCH = 25.4
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL)
_CSS = """
h1 { font-size: 17pt; margin-bottom: 2pt; }
h2 { font-size: 12.5pt; margin-top: 14pt; margin-bottom: 4pt; color: #1f3b57; }
h3 { font-size: 11pt; margin-top: 10pt; margin-bottom: 2pt; }
p { margin-top: 2pt; margin-bottom: 4pt; }
.scope { color: #555555; }
.muted { color: #666666; font-size: 8.5pt; }
th { background-color: #e8edf2; text-align: left; }
td, th { padding: 3px; }
"""

_app: QApplication | None = None


def ensure_app() -> None:
    """Qt needs an application object for fonts, and the charts of a brief (widgets drawn
    into the page) need a widget application; the CLI has none, and no display to show."""
    global _app
    if QCoreApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _app = QApplication(["liaison-desk"])


@dataclass(frozen=True)
class Picture:
    """An image of a document (a chart, a photo), drawn `share` of the text's width wide."""

    image: QImage
    share: float = 1.0


@dataclass(frozen=True)
class Printable:
    """A document to print with its marking on every page: a report's, a brief's."""

    title: str
    marking: str
    vault_name: str
    html: str
    pictures: Mapping[str, Picture] = field(default_factory=dict)  # by the name <img> uses


# -- the document -------------------------------------------------------------------------------


def _e(value: object) -> str:
    return html.escape(str(value)) if value not in (None, "") else ""


def _settle_headings(doc: QTextDocument) -> None:
    """The notes' headings as bold paragraphs, NOTE_HEADING_PT high, with some space above."""
    block = doc.begin()
    while block.isValid():
        level = block.blockFormat().headingLevel()
        if level:
            cursor = QTextCursor(block)
            shape = block.blockFormat()
            shape.setHeadingLevel(0)
            shape.setTopMargin(NOTE_HEADING_SPACE_PX)
            cursor.setBlockFormat(shape)
            fragments = block.begin()
            while not fragments.atEnd():
                fragment = fragments.fragment()
                style = fragment.charFormat()
                style.clearProperty(QTextFormat.Property.FontSizeAdjustment)
                style.setFontPointSize(NOTE_HEADING_PT.get(level, BODY_PT))
                style.setFontWeight(QFont.Weight.Bold)
                cursor.setPosition(fragment.position())
                cursor.setPosition(
                    fragment.position() + fragment.length(), QTextCursor.MoveMode.KeepAnchor
                )
                cursor.setCharFormat(style)
                fragments += 1
        block = block.next()


def markdown_html(text: str) -> str:
    """Markdown (meeting notes) as an HTML fragment, by Qt's Markdown reader."""
    doc = QTextDocument()
    doc.setMarkdown(text)
    _settle_headings(doc)
    match = _BODY.search(doc.toHtml())
    return match.group(1) if match else html.escape(text)


def _excerpt(notes: str | None) -> str:
    """A period report's glimpse of a meeting: the first paragraph of its notes that is not a
    heading (a "## Points" alone says nothing)."""
    for chunk in (notes or "").split("\n\n"):
        if chunk.strip() and not chunk.lstrip().startswith("#"):
            return markdown_html(chunk)
    return ""


def _paragraphs(text: str | None) -> str:
    if not text:
        return ""
    return "".join(f"<p>{_e(p).replace(chr(10), '<br>')}</p>" for p in text.split("\n\n"))


def _table(
    header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[int] = ()
) -> str:
    """A ruled table; `widths` in percent of the page, column by column (else Qt decides)."""
    sizes = [f' width="{w}%"' for w in widths] or [""] * len(header)
    head = "".join(f"<th{size}>{_e(h)}</th>" for h, size in zip(header, sizes, strict=True))
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return (
        '<table width="100%" cellspacing="0" cellpadding="3" border="0.5" '
        'style="border-collapse: collapse; border-color: #9aa5b1;">'
        f"<thead><tr>{head}</tr></thead>{body}</table>"
    )


def _people(people: Sequence[Person], with_counts: bool = False) -> str:
    header: tuple[str, ...] = ("Name", "Rank", "Position", "Organization", "Country")
    rows: list[tuple[object, ...]] = [
        (p.name, p.rank, p.position, p.organization, p.country) for p in people
    ]
    if with_counts:
        rows = [(*row, p.meetings) for row, p in zip(rows, people, strict=True)]
        return _table((*header, "Times"), rows, (21, 16, 21, 23, 11, 8))
    if any(p.role for p in people):
        rows = [(*row, p.role) for row, p in zip(rows, people, strict=True)]
        header = (*header, "Role")
    return _table(header, rows)


def _followups(report: Report, with_meeting: bool) -> str:
    rows = []
    for section, f in report.followups_by_due_date():
        row: list[object] = [f.action, f.owner, f.due_date, f.status]
        if with_meeting:
            row.insert(1, section.meeting.title)
        rows.append(row)
    header = ["Action", "Owner", "Due", "Status"]
    if with_meeting:
        header.insert(1, "From the meeting")
    return _table(header, rows)


def _facts(section: ReportMeeting) -> str:
    m = section.meeting
    facts = [
        ("When", section.when),
        ("Place", m.place),
        ("Kind", (m.kind or "").replace("-", " ")),
        ("Tags", ", ".join(m.tags)),
        ("Marking", m.marking),
    ]
    cells = "".join(
        f'<tr><td width="18%"><b>{_e(k)}</b></td><td>{_e(v)}</td></tr>' for k, v in facts if v
    )
    return f'<table width="100%" cellspacing="0" cellpadding="2">{cells}</table>'


def _meeting_body(report: Report) -> str:
    section = report.meetings[0]
    m = section.meeting
    parts = [_facts(section), "<h2>Participants</h2>"]
    parts.append(_people(section.people) if section.people else "<p>None recorded.</p>")
    if m.summary:
        parts += ["<h2>Summary</h2>", _paragraphs(m.summary)]
    if m.notes:
        parts += ["<h2>Notes</h2>", markdown_html(m.notes)]
    if section.followups:
        parts += ["<h2>Follow-ups</h2>", _followups(report, with_meeting=False)]
    return "".join(parts)


def _period_body(report: Report) -> str:
    if not report.meetings:
        return "<p>No meeting in this period.</p>"
    parts = ["<h2>People met</h2>", _people(report.people, with_counts=True), "<h2>Meetings</h2>"]
    for section in report.meetings:
        m = section.meeting
        where = " · ".join(x for x in (m.place, (m.kind or "").replace("-", " "), m.marking) if x)
        names = ", ".join(p.name for p in section.people)
        parts.append(f"<h3>{_e(section.when)} — {_e(m.title)}</h3>")
        parts.append(f'<p class="scope">{_e(where)}</p>')
        if names:
            parts.append(f"<p><b>With:</b> {_e(names)}</p>")
        parts.append(_paragraphs(m.summary) if m.summary else _excerpt(m.notes))
    if any(s.followups for s in report.meetings):
        parts += ["<h2>Follow-ups</h2>", _followups(report, with_meeting=True)]
    return "".join(parts)


def report_html(report: Report) -> str:
    body = _meeting_body(report) if report.kind == "meeting" else _period_body(report)
    return (
        f"<h1>{_e(report.title)}</h1>"
        f'<p class="scope">{_e(report.scope)}</p>'
        f"{body}"
        f'<p class="muted"><br>Prepared with Liaison Desk from the vault {_e(report.vault_name)} '
        f"on {_e(report.generated_at)}. Marked {_e(report.marking)}: the highest marking of "
        "anything it shows. Handle this document accordingly.</p>"
    )


# -- pages --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Geometry:
    width: float
    height: float
    body: QRectF
    dpi: float

    def pt(self, points: float) -> float:
        return points * self.dpi / 72


def _geometry(width: float, height: float, dpi: float) -> _Geometry:
    left, top, right, bottom = (mm * dpi / _MM_PER_INCH for mm in MARGINS_MM)
    return _Geometry(
        width, height, QRectF(left, top, width - left - right, height - top - bottom), dpi
    )


def pdf_font(points: float, bold: bool = False) -> QFont:
    """The font of every PDF, without ligatures: text copied or extracted from the PDF reads
    "office", not "o\ufb03ce"."""
    font = QFont()
    font.setFamilies(list(FONT_FAMILIES))
    font.setPointSizeF(points)
    font.setBold(bold)
    font.setFeature(QFont.Tag.fromString("liga"), 0)
    return font


def _document(printable: Printable, device: QPaintDevice, geometry: _Geometry) -> QTextDocument:
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(device)
    doc.setDefaultFont(pdf_font(BODY_PT))
    doc.setDefaultStyleSheet(_CSS)
    doc.setDocumentMargin(0)
    # Qt lays an image out at its size in pixels of the screen, grown to the device's DPI (a
    # page of 300 dpi, three times): the ratio given to each image undoes that, so it takes
    # exactly its share of the text's width, drawn from all of its pixels.
    screen = QGuiApplication.primaryScreen()
    ratio = device.logicalDpiX() / (screen.logicalDotsPerInchX() if screen else 100)
    for name, picture in printable.pictures.items():
        width = round(geometry.body.width() * picture.share)
        image = picture.image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
        image.setDevicePixelRatio(ratio)
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
    doc.setHtml(printable.html)
    doc.setPageSize(QSizeF(geometry.body.width(), geometry.body.height()))
    return doc


def _paint_page(
    painter: QPainter, doc: QTextDocument, report: Printable, page: int, pages: int, g: _Geometry
) -> None:
    body = g.body
    marking_colour = QColor(colour(report.marking, ()))
    bold = pdf_font(11, bold=True)
    small = pdf_font(7.5)
    header = QRectF(body.left(), g.pt(18), body.width(), g.pt(18))
    footer = QRectF(body.left(), body.bottom() + g.pt(12), body.width(), g.pt(18))
    painter.setPen(QPen(marking_colour))
    painter.setFont(bold)
    painter.drawText(header, Qt.AlignmentFlag.AlignCenter, report.marking)
    painter.drawText(footer, Qt.AlignmentFlag.AlignCenter, report.marking)
    painter.setPen(QPen(QColor("#9aa5b1"), g.pt(0.5)))
    for y in (header.bottom() + g.pt(3), footer.top() - g.pt(3)):
        painter.drawLine(QLineF(body.left(), y, body.right(), y))
    marking_width = QFontMetricsF(bold, painter.device()).horizontalAdvance(report.marking)
    painter.setPen(QPen(QColor("#555555")))
    painter.setFont(small)
    room = (body.width() - marking_width) / 2 - g.pt(8)
    left = QFontMetricsF(small, painter.device()).elidedText(
        f"{report.title} · {report.vault_name}", Qt.TextElideMode.ElideMiddle, room
    )
    painter.drawText(footer, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, left)
    painter.drawText(
        footer,
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
        f"Page {page + 1} of {pages}",
    )
    painter.save()
    painter.translate(body.left(), body.top() - page * body.height())
    doc.drawContents(painter, QRectF(0, page * body.height(), body.width(), body.height()))
    painter.restore()


def _printable(report: Report) -> Printable:
    return Printable(report.title, report.marking, report.vault_name, report_html(report))


def render_pdf(report: Report) -> tuple[bytes, int]:
    """The report as a PDF (A4), and its page count."""
    return print_pdf(_printable(report))


def a4_writer(buffer: QBuffer, title: str) -> QPdfWriter:
    """A4 portrait without printer margins: every page draws its own frame and markings."""
    writer = QPdfWriter(buffer)
    writer.setResolution(DPI)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
        )
    )
    writer.setTitle(title)
    writer.setCreator("Liaison Desk")
    return writer


def print_pdf(report: Printable) -> tuple[bytes, int]:
    """The document as a PDF (A4), its marking on every page, and its page count."""
    ensure_app()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = a4_writer(buffer, f"{report.title} ({report.marking})")
    geometry = _geometry(writer.width(), writer.height(), DPI)
    doc = _document(report, writer, geometry)
    pages = doc.pageCount()
    painter = QPainter(writer)
    try:
        for page in range(pages):
            if page:
                writer.newPage()
            _paint_page(painter, doc, report, page, pages, geometry)
    finally:
        painter.end()
        buffer.close()
    return bytes(data.data()), pages


def render_page_image(report: Report, page: int = 0, dpi: int = 110) -> QImage:
    """One page as an image, painted exactly as in the PDF (for screenshots and previews)."""
    return page_image(_printable(report), page, dpi)


def page_image(report: Printable, page: int = 0, dpi: int = 110) -> QImage:
    """One page of a document as an image, painted exactly as in its PDF."""
    ensure_app()
    size = QPageSize(QPageSize.PageSizeId.A4).size(QPageSize.Unit.Inch)
    image = QImage(
        round(size.width() * dpi), round(size.height() * dpi), QImage.Format.Format_RGB32
    )
    image.setDotsPerMeterX(round(dpi / 0.0254))
    image.setDotsPerMeterY(round(dpi / 0.0254))
    image.fill(QColor("white"))
    geometry = _geometry(image.width(), image.height(), dpi)
    doc = _document(report, image, geometry)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    try:
        _paint_page(painter, doc, report, min(page, doc.pageCount() - 1), doc.pageCount(), geometry)
    finally:
        painter.end()
    return image
