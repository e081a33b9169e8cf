"""A record's files and a contact's photo: shown under the detail, added and opened from there.

Every read and write runs on the vault's worker (core.attachments). "Open"
hands the system viewer a copy in this process's private RAM folder
(core.open_copies, whose docstring says what that protects and what not);
the copies are removed on the worker when the session locks (by hand, when
idle, or as the window closes), after any open still queued. "Export…" writes
only where the user chose, after saying that the file will not be encrypted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QUrl,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import QDesktopServices, QImage, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core.attachments import (
    AttachmentInfo,
    attach_file,
    attachments_of,
    clear_photo,
    delete_attachment,
    export_attachment,
    open_copy,
    photo_of,
    set_photo,
)
from liaison_desk.core.errors import LiaisonError
from liaison_desk.core.interop.export_file import NOT_ENCRYPTED
from liaison_desk.core.kinds import CONTACT, Kind
from liaison_desk.core.open_copies import OpenCopies
from liaison_desk.core.user_files import size_text
from liaison_desk.core.vault import Vault
from liaison_desk.ui.detail_view import GREY, DetailView
from liaison_desk.ui.editors import RecordEditor
from liaison_desk.ui.session import Session

T = TypeVar("T")
PHOTO_SIZE = 96  # pixels, the longer side
IMAGES = "Images (*.jpg *.jpeg *.png *.gif *.webp *.bmp)"
Index = QModelIndex | QPersistentModelIndex


class OpenedCopies(QObject):
    """The session's opened copies; emptied on the vault's worker whenever the session locks."""

    def __init__(self, session: Session, copies: OpenCopies | None = None) -> None:
        super().__init__(session)
        self.copies = copies or OpenCopies()
        runner = session.runner
        # Queued after the lock, so an open still pending is written first, then removed.
        session.locked.connect(
            lambda: runner.run(self.copies.remove_all, lambda _: None, lambda _: None, self)
        )


def opened_copies(session: Session) -> OpenedCopies:
    """The one OpenedCopies of `session` (made on first use)."""
    found = session.findChild(OpenedCopies)
    return found if isinstance(found, OpenedCopies) else OpenedCopies(session)


def thumbnail(vault: Vault, contact_id: str) -> QImage | None:
    """The contact's photo scaled down, or None (no photo, or not an image Qt reads).

    Runs on the worker: decoding a large photo there keeps the window responsive
    (a QImage, unlike a QPixmap, may be made on any thread).
    """
    photo = photo_of(vault, contact_id)
    image = QImage.fromData(photo.data) if photo is not None else QImage()
    if image.isNull():
        return None
    return image.scaled(
        PHOTO_SIZE,
        PHOTO_SIZE,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


def _pixmap(image: QImage | None) -> QPixmap:
    return QPixmap.fromImage(image) if image is not None else QPixmap()


class _Part(QWidget):
    """What the parts below share: vault work for a record, dropped once another is shown."""

    status_message = Signal(str)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.owner_id: str | None = None

    def _run(
        self,
        work: Callable[[Vault], T],
        done: Callable[[T], None],
        *,
        write: str | None = None,
    ) -> None:
        owner = self.owner_id

        def landed(result: T) -> None:
            if owner == self.owner_id:
                done(result)

        if not self.session.is_unlocked:
            return
        if write is None:
            self.session.read(work, landed, self, self._report)
        else:
            self.session.write(write, work, landed, self, self._report)

    def _report(self, error: LiaisonError) -> None:
        self.status_message.emit(error.message)


class PhotoView(_Part):
    """A contact's photo above the detail page; hidden when there is none."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.image = QLabel()
        self.image.setFixedHeight(PHOTO_SIZE)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.image)
        layout.addStretch()
        self.setHidden(type(self) is PhotoView)  # the editor's part always shows

    def show_contact(self, contact_id: str) -> None:
        self.owner_id = contact_id

        def done(image: QImage | None) -> None:
            self.image.setPixmap(_pixmap(image))
            self.setVisible(image is not None)

        self._run(lambda v: thumbnail(v, contact_id), done)

    def clear(self) -> None:
        self.owner_id = None
        self.image.clear()
        self.hide()


class PhotoEditor(PhotoView):
    """The photo at the top of a contact's form: chosen or removed at once, not with Save."""

    failed = Signal(str)  # a sentence for the form's error line

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.choose_button = QPushButton("Choose photo…")
        self.remove_button = QPushButton("Remove photo")
        self.hint = QLabel()
        self.hint.setStyleSheet(GREY)
        self.hint.setWordWrap(True)
        for button in (self.choose_button, self.remove_button):
            button.setAutoDefault(False)
        self.choose_button.clicked.connect(self.choose)
        self.remove_button.clicked.connect(self.remove)
        column = QVBoxLayout()
        column.addWidget(self.choose_button)
        column.addWidget(self.remove_button)
        column.addWidget(self.hint)
        layout = self.layout()
        assert isinstance(layout, QHBoxLayout)
        layout.insertLayout(1, column)
        self.folder = Path.home()

    def load(self, contact_id: str | None) -> None:
        """Show the photo of the contact being edited (a new contact has none yet)."""
        self.owner_id = contact_id
        self.image.clear()
        self.image.setVisible(False)
        self.remove_button.setEnabled(False)
        self.choose_button.setEnabled(contact_id is not None)
        self.hint.setText("" if contact_id else "Save the contact first, then add a photo.")
        if contact_id is None:
            return

        def done(image: QImage | None) -> None:
            self.image.setPixmap(_pixmap(image))
            self.image.setVisible(image is not None)
            self.remove_button.setEnabled(image is not None)

        self._run(lambda v: thumbnail(v, contact_id), done)

    def choose(self) -> None:
        contact_id = self.owner_id
        if contact_id is None:
            return
        name, _ = QFileDialog.getOpenFileName(self, "Choose a photo", str(self.folder), IMAGES)
        if not name:
            return
        path = Path(name)
        self.folder = path.parent

        def saved(_contact: Any) -> None:
            self.status_message.emit("Photo saved.")
            self.load(contact_id)

        self._run(lambda v: set_photo(v, contact_id, path), saved, write=CONTACT.name)

    def remove(self) -> None:
        contact_id = self.owner_id
        if contact_id is None:
            return

        def removed(_contact: Any) -> None:
            self.status_message.emit("Photo removed.")
            self.load(contact_id)

        self._run(lambda v: clear_photo(v, contact_id), removed, write=CONTACT.name)

    def clear(self) -> None:
        self.load(None)

    def attach(self, editor: RecordEditor, status: SignalInstance) -> None:
        """Sit in the place the contact form keeps for it, its errors in the form's line."""
        assert editor.photo_place is not None
        editor.photo_place.addWidget(self)
        self.failed.connect(editor.show_error)
        self.status_message.connect(status)

    def _report(self, error: LiaisonError) -> None:
        self.failed.emit(error.message)


class AttachmentListModel(QAbstractListModel):
    """A record's files: name and size, the type and marking as a tooltip."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.files: list[AttachmentInfo] = []

    def set_files(self, files: Sequence[AttachmentInfo]) -> None:
        self.beginResetModel()
        self.files = list(files)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.files)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.files):
            return None
        info = self.files[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{info.name} ({size_text(info.size)})"
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{info.mime}, {info.marking}, added {info.created_at[:10]}"
        return None


class FilesPanel(_Part):
    """A record's files under its detail: add, open, export and delete."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.read_only = False
        self.folder = Path.home()
        self.model = AttachmentListModel(self)
        self.heading = QLabel()
        self.heading.setStyleSheet("font-weight: bold;")
        self.list = QListView()
        self.list.setModel(self.model)
        self.list.setMaximumHeight(110)
        self.list.doubleClicked.connect(lambda _: self.open_selected())
        self.add_button = QPushButton("Add file…")
        self.open_button = QPushButton("Open")
        self.export_button = QPushButton("Export…")
        self.delete_button = QPushButton("Delete file")
        buttons = QHBoxLayout()
        for button, slot in (
            (self.add_button, self.add),
            (self.open_button, self.open_selected),
            (self.export_button, self.export_selected),
            (self.delete_button, self.delete_selected),
        ):
            button.setAutoDefault(False)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.heading)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        self.list.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        session.changed.connect(self._on_changed)
        self.hide()

    def show_owner(self, record_id: str) -> None:
        """List the files of the record now on the detail page."""
        if record_id != self.owner_id:
            self.model.set_files(())
        self.owner_id = record_id
        self._load()
        self.show()

    def clear(self) -> None:
        self.owner_id = None
        self.model.set_files(())
        self.hide()

    def _load(self) -> None:
        owner = self.owner_id
        if owner is not None:
            self._run(lambda v: attachments_of(v, owner), self._loaded)

    def _loaded(self, files: list[AttachmentInfo]) -> None:
        self.model.set_files(files)
        count = len(files)
        self.heading.setText(f"Files ({count})" if count else "Files: none yet")
        self._enable()

    def _on_changed(self, kind: str) -> None:
        if kind in ("attachment", CONTACT.name) and self.owner_id is not None:
            self._load()

    def _enable(self) -> None:
        chosen = self.selected() is not None
        self.add_button.setEnabled(not self.read_only)
        self.open_button.setEnabled(chosen)
        self.export_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen and not self.read_only)

    def selected(self) -> AttachmentInfo | None:
        rows = self.list.selectionModel().selectedRows()
        return self.model.files[rows[0].row()] if rows else None

    def add(self) -> None:
        owner = self.owner_id
        if owner is None or self.read_only:
            return
        name, _ = QFileDialog.getOpenFileName(self, "Attach a file", str(self.folder))
        if not name:
            return
        path = Path(name)
        self.folder = path.parent

        def added(_record: Any) -> None:
            self.status_message.emit(f"Attached {path.name}, encrypted in the vault.")

        self._run(lambda v: attach_file(v, owner, path), added, write="attachment")

    def open_selected(self) -> None:
        """Hand the system viewer a copy in the private RAM folder; it goes at the lock."""
        info = self.selected()
        if info is None:
            return
        copies = opened_copies(self.session).copies

        def opened(path: Path) -> None:
            if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
                self.status_message.emit(f"No program on this computer opens {info.name}.")
                return
            self.status_message.emit(
                f"Opened {info.name}; its copy is removed when the vault locks."
            )

        self._run(lambda v: open_copy(v, info.id, copies), opened)

    def export_selected(self) -> None:
        info = self.selected()
        if info is None:
            return
        answer = QMessageBox.warning(
            self,
            "Export a file",
            f"{info.name} will be written out of the vault.\n\n{NOT_ENCRYPTED}",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Save:
            return
        name, _ = QFileDialog.getSaveFileName(self, "Export a file", str(self.folder / info.name))
        if not name:
            return
        dest = Path(name)
        self.folder = dest.parent

        def written(size: int) -> None:
            self.status_message.emit(f"Wrote {dest.name} ({size_text(size)}, not encrypted).")

        self._run(lambda v: export_attachment(v, info.id, dest), written)

    def delete_selected(self) -> None:
        info = self.selected()
        if info is None or self.read_only:
            return
        answer = QMessageBox.question(
            self,
            "Delete a file",
            f"Delete {info.name}? It leaves this record here, and every vault it reached "
            "once the deletion is synced.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return

        def deleted(_: None) -> None:
            self.status_message.emit(f"Deleted {info.name}.")

        self._run(lambda v: delete_attachment(v, info.id), deleted, write="attachment")


class RecordFiles(QObject):
    """The photo (contacts) and files parts of one section's detail page."""

    def __init__(self, session: Session, kind: Kind[Any], read_only: bool, parent: QObject) -> None:
        super().__init__(parent)
        self.kind = kind
        self.photo = PhotoView(session) if kind is CONTACT else None
        self.files = FilesPanel(session)
        self.files.read_only = read_only

    def attach(self, detail: DetailView, status: SignalInstance) -> None:
        """Put the photo above `detail`'s page and the files below it; messages to `status`."""
        if self.photo is not None:
            detail.add_part(self.photo, above=True)
            self.photo.status_message.connect(status)
        detail.add_part(self.files)
        self.files.status_message.connect(status)
        detail.cleared.connect(self.clear)

    def show_record(self, record_id: str) -> None:
        if self.photo is not None:
            self.photo.show_contact(record_id)
        self.files.show_owner(record_id)

    def clear(self) -> None:
        if self.photo is not None:
            self.photo.clear()
        self.files.clear()
