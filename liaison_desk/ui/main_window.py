"""The window an officer lives in: sections in a sidebar, search, locking, status."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal, SignalInstance
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core import markings as markings_mod
from liaison_desk.core.drafts import Draft, discard_draft, drafts
from liaison_desk.core.kinds import ALL_KINDS
from liaison_desk.core.records import FollowUp
from liaison_desk.core.station_zone import set_station_zone, station_zone_setting, system_zone
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault
from liaison_desk.core.wording import plural
from liaison_desk.ui.clipboard import ClearingClipboard
from liaison_desk.ui.conflicts_section import ConflictsSection, sidebar_title
from liaison_desk.ui.connectivity import RelayMonitor
from liaison_desk.ui.declarations_section import DeclarationsSection
from liaison_desk.ui.drive_watch import DriveWatch
from liaison_desk.ui.edit_actions import EditActions
from liaison_desk.ui.help_actions import HelpActions
from liaison_desk.ui.idle import IdleWatcher
from liaison_desk.ui.interop_actions import InteropActions
from liaison_desk.ui.lock_sweep import close_all_over
from liaison_desk.ui.markings_style import banner_css
from liaison_desk.ui.panic_actions import PanicActions
from liaison_desk.ui.preferences import Preferences, PreferencesDialog
from liaison_desk.ui.record_section import RecordSection, make_sections
from liaison_desk.ui.search_dialog import SearchDialog
from liaison_desk.ui.session import Session
from liaison_desk.ui.station_titles import StationTitles
from liaison_desk.ui.sync_section import SyncSection
from liaison_desk.ui.today_lines import sidebar_tip as today_tip
from liaison_desk.ui.today_lines import sidebar_title as today_title
from liaison_desk.ui.today_section import TodaySection
from liaison_desk.ui.transport_actions import TransportActions
from liaison_desk.ui.travel_action import TravelSeal
from liaison_desk.ui.unlock import UnlockWidget
from liaison_desk.ui.vault_tools import VaultTools

SectionFactory = Callable[[Session], Sequence[RecordSection]]
_COUNTED = ("contact", "organization", "meeting", "followup", "protocol")
_OPEN = ListQuery(where={"status": "open"})


class DraftBar(QFrame):
    """A quiet bar, not a dialog: an officer under pressure can ignore it and carry on."""

    restore = Signal(object)
    discard = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("draftBar")
        self.setStyleSheet("#draftBar { background: #fff4ce; border-bottom: 1px solid #e0c060; }")
        self.label = QLabel()
        self.restore_button = QPushButton("Restore")
        self.discard_button = QPushButton("Discard")
        row = QHBoxLayout(self)
        row.addWidget(self.label, 1)
        row.addWidget(self.restore_button)
        row.addWidget(self.discard_button)
        self._draft: Draft | None = None
        self.restore_button.clicked.connect(lambda: self._answer(self.restore))
        self.discard_button.clicked.connect(lambda: self._answer(self.discard))
        self.hide()

    def offer(self, draft: Draft) -> None:
        self._draft = draft
        what = "new record" if draft.record_id is None else "edit"
        self.label.setText(
            f"An unsaved {draft.kind} {what} from {draft.saved_at[:16].replace('T', ' ')} UTC "
            "was kept when Liaison Desk last stopped."
        )
        self.show()

    def _answer(self, signal: SignalInstance) -> None:
        if self._draft is not None:
            signal.emit(self._draft)
        self._draft = None
        self.hide()


class MainWindow(QMainWindow):
    """Builds its sections at each unlock and destroys them at each lock (no plaintext stays)."""

    def __init__(
        self,
        session: Session,
        settings: QSettings,
        sections: SectionFactory = make_sections,
        parent: QWidget | None = None,
        *,
        drive_watch: DriveWatch | None = None,
        relay_monitor: RelayMonitor | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.settings = settings
        self.station_zone: str | None = None  # the vault's setting; None: the computer's
        self.system_zone = "UTC"  # the computer's, as last read on the worker
        self._make_sections = sections
        self.sections: list[RecordSection] = []
        self.sync_section: SyncSection | None = None
        self.conflicts_section: ConflictsSection | None = None
        self.today_section: TodaySection | None = None
        self._resume: tuple[int, str | None] = (0, None)  # Today: the page the window opens on
        self.prefs = Preferences.load(settings)
        self.clipboard = ClearingClipboard(parent=self)
        self.idle = IdleWatcher(self.prefs.autolock_minutes * 60_000, self)
        self.idle.idle.connect(self.auto_lock)
        self.drive_watch = drive_watch if drive_watch is not None else DriveWatch()
        self.relay_monitor = relay_monitor if relay_monitor is not None else RelayMonitor()
        for part in (self.drive_watch, self.relay_monitor):
            part.setParent(self)

        self.pages = QStackedWidget()
        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setStyleSheet("#sidebar { font-size: 11pt; } #sidebar::item { padding: 6px; }")
        self.stack = QStackedWidget()
        splitter = QSplitter()
        splitter.addWidget(self.sidebar)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([170, 1030])
        self.transport = TransportActions(self, session, self.relay_monitor, self.drive_watch)
        self.transport.auto_sync = self.prefs.auto_sync
        self.transport.status_message.connect(lambda t: self.statusBar().showMessage(t, 10_000))
        self.titles = StationTitles(self, self._vault_title)
        self.lock_screen = UnlockWidget(session, title=self._vault_title())
        self.lock_screen.unlocked.connect(self._on_unlocked)
        self.draft_bar = DraftBar()
        self.draft_bar.restore.connect(self._restore_draft)
        self.draft_bar.discard.connect(self._discard_draft)
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.draft_bar)
        column.addWidget(self.transport.drive_bar)
        column.addWidget(splitter, 1)
        self.pages.addWidget(content)
        self.pages.addWidget(self.lock_screen)
        self.setCentralWidget(self.pages)
        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.sidebar.currentRowChanged.connect(self._on_section_changed)

        self.vault_label = QLabel()
        self.counts_label = QLabel()
        self.sync_label = QLabel("Sync: not set up")
        self.lock_label = QLabel()
        self.marking_label = QLabel()
        for widget in (
            self.vault_label,
            self.counts_label,
            self.sync_label,
            self.transport.relay_label,
            self.lock_label,
        ):
            self.statusBar().addPermanentWidget(widget)
        self.statusBar().insertPermanentWidget(0, self.marking_label)
        self.statusBar().addWidget(self.transport.progress_label)
        self.statusBar().addWidget(self.transport.progress)
        self._actions()
        session.changed.connect(self._on_changed)
        session.failed.connect(lambda text: self.statusBar().showMessage(text, 10_000))
        geometry = settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1200, 760)
        self._update_title()
        self._on_unlocked()

    # -- construction -------------------------------------------------------------------

    def _actions(self) -> None:
        def action(
            text: str, keys: QKeySequence | QKeySequence.StandardKey | str, slot: Callable[[], Any]
        ) -> QAction:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)  # one vault a window
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        menu = self.menuBar().addMenu("&Vault")
        self.search_action = action("&Search everything…", "Ctrl+K", self.open_search)
        self.save_action = action("Sa&ve", QKeySequence.StandardKey.Save, self.save_current)
        self.lock_action = action("&Lock now", "Ctrl+L", self.lock)
        prefs = action("&Preferences…", QKeySequence.StandardKey.Preferences, self.edit_prefs)
        quit_ = action("&Quit", QKeySequence.StandardKey.Quit, self.close)
        for act in (self.search_action, self.save_action, self.lock_action):
            menu.addAction(act)
        self.panic = PanicActions(self, self.session, self._panic_lock, menu)
        self.panic.status_message.connect(lambda t: self.statusBar().showMessage(t, 30_000))
        self.panic.wiped.connect(self._on_wiped)
        self.travel = TravelSeal(self, self.session, self._panic_lock, menu)
        self.travel.status_message.connect(lambda t: self.statusBar().showMessage(t, 30_000))
        self.travel.sealed.connect(self.lock_screen.show_sealed)
        for act in (prefs, quit_):
            menu.addAction(act)
        self.vault_tools = VaultTools(
            self, self.session, menu, lambda s: MainWindow(s, self.settings), before=quit_
        )
        self.vault_tools.status_message.connect(lambda t: self.statusBar().showMessage(t, 10_000))
        self.edit_actions = EditActions(self, self.session, self.current_section)
        self.edit_actions.status_message.connect(lambda t: self.statusBar().showMessage(t, 10_000))
        self.edit_actions.navigate_requested.connect(self.open_record)
        self.menuBar().addMenu(self.edit_actions.menu)
        self.interop = InteropActions(
            self, self.session, lambda: self.sections, self.current_section
        )
        self.interop.status_message.connect(lambda t: self.statusBar().showMessage(t, 10_000))
        self.menuBar().addMenu(self.interop.menu)
        self.help = HelpActions(self, self.sidebar)

    def _vault_title(self) -> str:
        info = self.session.info
        return info.name if info else self.session.vault_dir.name

    def _update_title(self) -> None:
        demo = "DEMO (fictional data) — " if self.session.demo else ""
        self.setWindowTitle(f"{demo}{self._vault_title()} — Liaison Desk")
        info = self.session.info
        if info is not None:
            role = "HQ" if info.role == "hq" else "Station"
            self.vault_label.setText(
                f"{'DEMO · ' if self.session.demo else ''}{info.name} · {role}"
            )

    def _build_sections(self) -> None:
        self._build_today()
        self.sections = list(self._make_sections(self.session))
        for section in self.sections:
            self.stack.addWidget(section)
            self.sidebar.addItem(section.title)
            section.marking_shown.connect(self._on_marking_shown)
            for signal in (section.model.modelReset, section.model.rowsInserted):
                signal.connect(self._refresh_marking)
            section.status_message.connect(lambda t: self.statusBar().showMessage(t, 5_000))
            section.copy_requested.connect(self._copy)
            section.navigate_requested.connect(self.open_record)
        self.edit_actions.attach(self.sections)
        self._apply_defaults()
        extras: list[Any] = []  # HQ's own pages
        if self.session.info is not None and self.session.info.role == "hq":
            extras.append(declarations := DeclarationsSection(self.session))
            declarations.navigate_requested.connect(self.open_record)
            declarations.shown.connect(self._refresh_marking)
        self.sync_section = SyncSection(self.session)
        self.conflicts_section = ConflictsSection(self.session)
        for extra in (*extras, self.sync_section, self.conflicts_section):
            self.stack.addWidget(extra)
            self.sidebar.addItem(extra.title)
            extra.status_message.connect(lambda t: self.statusBar().showMessage(t, 5_000))
        self.sync_section.status_changed.connect(self.sync_label.setText)
        self.sync_section.auto_sync_changed.connect(self._set_auto_sync)
        self.transport.attach(self.sync_section)
        self.conflicts_section.count_changed.connect(self._show_conflict_count)
        self.conflicts_section.navigate_requested.connect(self.open_record)
        self._fit_sidebar()

    def _fit_sidebar(self) -> None:
        """Never narrower than its longest label ("Protocol library"), however small the window."""
        metrics = self.sidebar.fontMetrics()
        texts = [self.sidebar.item(i).text() for i in range(self.sidebar.count())]
        widest = max((metrics.horizontalAdvance(t) for t in texts), default=0)
        padding = 2 * 6 + 2 * self.sidebar.frameWidth() + 8  # the style sheet's item padding
        self.sidebar.setMinimumWidth(widest + padding)

    def _build_today(self) -> None:
        self.today_section = TodaySection(self.session)
        self.stack.addWidget(self.today_section)
        self.sidebar.addItem(self.today_section.title)
        self.today_section.status_message.connect(lambda t: self.statusBar().showMessage(t, 5_000))
        self.today_section.navigate_requested.connect(self.open_record)
        self.today_section.section_requested.connect(self._open_named_section)
        self.today_section.counts_changed.connect(self._show_today_counts)

    def _show_today_counts(self, overdue: int, due: int) -> None:
        self.sidebar.item(0).setText(today_title(overdue, due))
        self.sidebar.item(0).setToolTip(today_tip(overdue, due))
        self._refresh_marking()  # the page names records: their markings are on screen

    def _open_named_section(self, name: str) -> None:
        named = {"sync": self.sync_section, "conflicts": self.conflicts_section}
        widget = named.get(name) or next((s for s in self.sections if s.kind.name == name), None)
        if widget is not None:
            self.open_section(widget)

    def _show_conflict_count(self, count: int) -> None:
        item = self.sidebar.item(self.sidebar.count() - 1)
        if item is not None:
            item.setText(sidebar_title(count))
            self._fit_sidebar()

    def _apply_defaults(self) -> None:
        """The preferred country is filled in for new contacts and organizations."""
        country = self.prefs.default_country
        for section in self.sections:
            if section.kind.name in ("contact", "organization"):
                section.editor.defaults = {"country": country} if country else {}

    def _clear_sections(self) -> None:
        self.sidebar.clear()
        while (widget := self.stack.widget(0)) is not None:
            self.stack.removeWidget(widget)
            widget.deleteLater()
        self.sections = []
        self.sync_section = None
        self.conflicts_section = None
        self.today_section = None

    # -- unlocked / locked --------------------------------------------------------------

    def _on_unlocked(self) -> None:
        if not self.session.is_unlocked:
            return
        self._build_sections()
        index, record_id = self._resume
        self.sidebar.setCurrentRow(min(index, self.sidebar.count() - 1))
        if record_id and (section := self.current_section()) is not None:
            section.open_record(record_id)
        self.pages.setCurrentIndex(0)
        self.lock_label.setText("Unlocked")
        self._update_title()
        self._refresh_counts()
        self._offer_drafts()
        self._read_station_zone()
        self.idle.restart()

    def lock(self) -> None:
        """Lock now: asks about unsaved changes first."""
        if not self.session.is_unlocked or not self._settle_unsaved("Lock the vault"):
            return
        self._lock()

    def auto_lock(self) -> None:
        """Nobody is there to ask: unsaved edits stay as drafts in the vault, offered back later."""
        if self.session.is_unlocked:
            self._lock()

    def _panic_lock(self) -> None:
        """Panic: lock without asking (unsaved edits stay as drafts, as in an auto-lock)."""
        if self.session.is_unlocked:
            self._lock()

    def _on_wiped(self) -> None:
        self.lock_screen.setEnabled(False)
        self.lock_label.setText("Wiped")

    def _lock(self) -> None:
        close_all_over(self)  # first: a question still open ends before its section goes
        section = self.current_section()
        self._resume = (self.sidebar.currentRow(), section.current_record_id() if section else None)
        self.idle.pause()
        for each in self.sections:
            each.park()
        self._clear_sections()
        self.session.lock()
        self.station_zone = None  # where the station is stays in the vault while locked
        self.clipboard.clear_if_ours()
        self.marking_label.clear()
        self.marking_label.setStyleSheet("")
        self.counts_label.clear()
        self.sync_label.clear()  # it names HQ at a station; the Sync section says it again
        self.statusBar().clearMessage()  # "Kept their value for … of <name>" and the like
        self.lock_label.setText("Locked")
        self.pages.setCurrentIndex(1)
        self.lock_screen.focus_passphrase()

    def _settle_unsaved(self, doing: str) -> bool:
        """True when it is fine to go on (saved, discarded or nothing pending)."""
        pending = [s for s in self.sections if s.has_unsaved_changes()]
        if not pending:
            return True
        answer = QMessageBox.question(
            self,
            doing,
            f"Unsaved changes in {pending[0].title}. Save them first?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer not in (QMessageBox.StandardButton.Save, QMessageBox.StandardButton.Discard):
            return False  # cancelled, or closed by an auto-lock (which kept the edits as drafts)
        for section in pending:
            if answer == QMessageBox.StandardButton.Save:
                section.park()  # should the save fail once the window is gone, the draft stays
                section.save()
            else:
                section.discard_changes()
        return True

    # -- actions ------------------------------------------------------------------------

    def _on_section_changed(self, _row: int) -> None:
        self._detail_marking = ""
        self._refresh_marking()

    def current_section(self) -> RecordSection | None:
        widget = self.stack.currentWidget()
        return widget if isinstance(widget, RecordSection) else None

    def open_search(self) -> None:
        if not self.session.is_unlocked:
            return
        dialog = SearchDialog(self.session, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.chosen.connect(self.open_record)
        self.search_dialog = dialog
        dialog.open()

    def open_section(self, section: QWidget) -> None:
        """Show one of the sidebar's sections (a record list, Today, Sync…)."""
        self.sidebar.setCurrentRow(self.stack.indexOf(section))

    def open_record(self, kind: str, record_id: str) -> None:
        for section in self.sections:
            if section.kind.name == kind:
                self.open_section(section)
                section.open_record(record_id)
                return

    def save_current(self) -> None:
        section = self.current_section()
        if section is not None and section.has_unsaved_changes():
            section.save()

    def edit_prefs(self) -> None:
        before = self.station_zone
        dialog = PreferencesDialog(
            self.prefs,
            self,
            station_zone=before,
            system_zone=self.system_zone,
            zone_editable=self.session.is_unlocked,
        )
        if dialog.exec() == PreferencesDialog.DialogCode.Accepted:
            self.prefs = dialog.preferences()
            self.prefs.save(self.settings)
            self.idle.set_timeout(self.prefs.autolock_minutes * 60_000)
            self._apply_defaults()
            zone = dialog.station_zone()
            # Opened while locked, the dialog showed no zone to save (a lock while it is
            # open closes it), and the setting stays as it was.
            if self.session.is_unlocked and zone != before:
                self._set_station_zone(zone)

    def _read_station_zone(self) -> None:
        def done(zones: tuple[str | None, str]) -> None:
            self.station_zone, self.system_zone = zones

        # Asking the system (tzlocal) happens on the worker, like every other zone reading.
        self.session.read(
            lambda vault: (station_zone_setting(vault.store), system_zone()), done, self
        )

    def _set_station_zone(self, zone: str | None) -> None:
        def done(now: str) -> None:
            self.station_zone = zone
            self.statusBar().showMessage(f"This station's time zone: {now}.", 10_000)

        self.session.write(
            "settings", lambda vault: set_station_zone(vault.store, zone), done, self
        )

    def _set_auto_sync(self, on: bool) -> None:
        self.prefs.auto_sync = on
        self.prefs.save(self.settings)
        self.transport.auto_sync = on

    def _copy(self, text: str) -> None:
        self.clipboard.copy(text)
        self.statusBar().showMessage("Copied; the clipboard is cleared in 30 seconds.", 5_000)

    # -- status -------------------------------------------------------------------------

    def _on_changed(self, kind: str) -> None:
        if kind in _COUNTED:
            self._refresh_counts()

    def _refresh_counts(self) -> None:
        def work(vault: Vault) -> tuple[dict[str, int], tuple[str, ...]]:
            counts = {
                k.name: vault.store.count(k.cls, _OPEN if k.cls is FollowUp else ListQuery())
                for k in ALL_KINDS
                if k.name in _COUNTED
            }  # done follow-ups are no work left
            return counts, vault.store.markings()

        def done(result: tuple[dict[str, int], tuple[str, ...]]) -> None:
            counts, self._markings = result
            self.counts_label.setText(
                f"{plural(counts['contact'], 'contact')} · {plural(counts['meeting'], 'meeting')}"
                f" · {plural(counts['followup'], 'open follow-up')}"
            )

        self.session.read(work, done, self)

    _markings: tuple[str, ...] = markings_mod.DEFAULT_MARKINGS
    _detail_marking = ""

    def _on_marking_shown(self, marking: str) -> None:
        self._detail_marking = marking
        self._refresh_marking()

    def _refresh_marking(self) -> None:
        """The highest marking on screen, in the status bar as on a paper banner.

        Counts every loaded row of the current list as on screen: marking too high
        is the safe mistake, too low is not.
        """
        section = self.current_section()
        shown = [self._detail_marking] if section is not None else []
        if self.today_section is not None and self.stack.currentWidget() is self.today_section:
            shown = self.today_section.model.markings()
        if isinstance(page := self.stack.currentWidget(), DeclarationsSection):
            shown = page.model.markings()
        if section is not None:
            model = section.model
            rows = (model.record_at(row) for row in range(model.rowCount()))
            shown += [record.marking for record in rows if record is not None]
        top = markings_mod.highest(self._markings, shown)
        if top is None:
            self.marking_label.clear()
            self.marking_label.setStyleSheet("")
            return
        self.marking_label.setText(f" {top} ")
        self.marking_label.setStyleSheet(banner_css(top, self._markings))

    def _offer_drafts(self) -> None:
        """Offer back an edit that a crash, a power cut or an auto-lock interrupted."""

        def done(found: list[Draft]) -> None:
            kinds = {s.kind.name for s in self.sections}
            pending = [d for d in found if d.kind in kinds]
            if pending:
                self.draft_bar.offer(pending[-1])

        self.session.read(drafts, done, self)

    def _restore_draft(self, draft: Draft) -> None:
        for section in self.sections:
            if section.kind.name == draft.kind:
                self.open_section(section)
                section.restore_draft(draft)
                return

    def _discard_draft(self, draft: Draft) -> None:
        self.session.write(
            "draft",
            lambda vault: discard_draft(vault, draft.kind, draft.record_id),
            lambda _: None,
            self,
        )

    # -- closing ------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._settle_unsaved("Close Liaison Desk"):
            event.ignore()
            return
        self.settings.setValue("geometry", self.saveGeometry())
        self.idle.pause()
        for section in self.sections:
            section.park()
        self.transport.shutdown()
        self.session.lock()
        self.clipboard.clear_if_ours()
        event.accept()
