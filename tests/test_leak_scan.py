"""Nothing outside the vault: a scripted day leaves no canary in any file but the vault's and
the bundles.

Twenty canary strings (some not ASCII) go into every kind of record that holds
text, through the CLI and the real window; the officer searches for them, syncs
both ways through a drive, opens an attachment, locks, and the window's process
is killed outright. Then every file under the day's home, config, cache, data,
runtime and temporary folders, the window's log, and this user's private RAM
folder for opened copies is read and searched for each canary in UTF-8, UTF-16
(both byte orders), as typed and lower-cased: none may be there. The vault's
encrypted database and the bundles are the only places the content may be,
and they are checked to hold it only encrypted. (A participant holds no free
text of its own beyond its role, which carries one too.)
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from liaison_desk.core.open_copies import RAM_FOLDER, ram_base, root_folder
from tests.cli.runner import PASSPHRASE, clean_env, executable

CANARIES = tuple(
    f"{word}{i:02d}x{tag}"
    for i, (word, tag) in enumerate(
        [
            ("Ostrava", "qz"),
            ("Müllerhof", "vb"),
            ("Łódźka", "kp"),
            ("Ærøskøbing", "wd"),
            ("Sørensen", "hy"),
            ("Ωmegapoint", "rf"),
            ("თბილისი", "ts"),
            ("Zagrebačka", "mn"),
            ("Dubrovnik", "lx"),
            ("Reykjavík", "gj"),
            ("東京湾", "cq"),
            ("Nîmesque", "ub"),
            ("Tallinnia", "ae"),
            ("Kraków", "sz"),
            ("Ñandú", "ow"),
            ("Smørrebrød", "ik"),
            ("Straße", "pe"),
            ("Açores", "fn"),
            ("Göteborg", "xr"),
            ("Ljubljana", "dy"),
        ]
    )
)
SEARCHED_ONLY = CANARIES[19]  # typed into the search box, never stored

GUI_DAY = r"""
import json, os, signal, sys, time
from pathlib import Path
from PySide6.QtCore import QEvent, QSettings, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeyEvent
from PySide6.QtWidgets import QApplication
from liaison_desk.core.attachments import open_copy
from liaison_desk.core.records import Participant
from liaison_desk.ui.app import application
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.record_files import opened_copies
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session

args = json.loads(sys.argv[1])
opened = []
QDesktopServices.openUrl = lambda url: opened.append(url) or True  # no viewer to start here
app = application(["liaison-desk"])
session = Session(Path(args["vault"]), Runner("vault"))
session.unlock(args["passphrase"], lambda _: None, lambda e: sys.exit(3), session)

def pump(until, seconds=30):
    deadline = time.monotonic() + seconds
    while not until():
        if time.monotonic() > deadline:
            sys.stderr.write(f"timed out at line {sys._getframe(1).f_lineno}\n")
            sys.exit(4)
        app.processEvents()
        time.sleep(0.005)

def type_text(widget, text):
    # Each character as a key press carrying it, as a keyboard layout or an IME sends it.
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))

def on_vault(work):
    box = []
    session.write("contact", work, box.append, session, lambda e: sys.exit(5))
    pump(lambda: bool(box))
    return box[0]

pump(lambda: session.is_unlocked)
window = MainWindow(session, QSettings())
window.show()
pump(lambda: bool(window.sections))
# A search typed in the window, as an officer types it.
window.open_search()
dialog = window.search_dialog
type_text(dialog.box, args["search"])
pump(lambda: dialog._asked > 0 and not session.runner.busy)
dialog.close()
# A contact typed into the form and saved.
contacts = window.sections[0]
window.open_section(contacts)
contacts.new_record()
pump(lambda: contacts.stack.currentWidget() is contacts.editor)
type_text(contacts.editor.fields["full_name"].widget, args["gui_name"])
assert contacts.editor.fields["full_name"].widget.text() == args["gui_name"]
window.save_current()
pump(lambda: not contacts.has_unsaved_changes() and not session.runner.busy)
# A participant, with its role, through the core the window calls.
role = Participant(meeting_id=args["meeting"], contact_id=args["contact"], role=args["role"])
on_vault(lambda v: v.store.add(role))
# An attachment opened for the system's viewer.
copies = opened_copies(session).copies
path = on_vault(lambda v: open_copy(v, args["attachment"], copies))
QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
assert path.exists()
window.lock()
pump(lambda: not session.runner.busy and not path.exists())
os.kill(os.getpid(), signal.SIGKILL)
"""


def _forms(canary: str) -> list[bytes]:
    texts = {canary, canary.lower(), canary.upper()}
    return [t.encode(e) for t in texts for e in ("utf-8", "utf-16-le", "utf-16-be")]


def _scan(paths: list[Path]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    needles = {c: _forms(c) for c in CANARIES}
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        for canary, forms in needles.items():
            if any(f in data for f in forms):
                found.setdefault(str(path), []).append(canary)
    return found


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()]


def _is_vault_or_bundle(path: Path) -> bool:
    return path.name in ("vault.db", "vault.db-wal", "vault.db-shm") or path.suffix == ".ldbundle"


@pytest.mark.skipif(sys.platform != "linux", reason="reads this user's RAM folder on Linux")
def test_a_scripted_day_leaves_no_canary_outside_the_vault(tmp_path: Path) -> None:
    day = tmp_path / "day"
    dirs = {name: day / name for name in ("home", "config", "cache", "data", "run", "tmp", "logs")}
    for folder in dirs.values():
        folder.mkdir(parents=True, mode=0o700)
    documents = tmp_path / "officers-own-files"  # the file attached comes from here
    documents.mkdir()
    env = clean_env(
        HOME=str(dirs["home"]),
        XDG_CONFIG_HOME=str(dirs["config"]),
        XDG_CACHE_HOME=str(dirs["cache"]),
        XDG_DATA_HOME=str(dirs["data"]),
        XDG_RUNTIME_DIR=str(dirs["run"]),
        TMPDIR=str(dirs["tmp"]),
        QT_QPA_PLATFORM="offscreen",
        LIAISON_DESK_PASSPHRASE=PASSPHRASE,
    )
    station_dir, hq_dir = dirs["data"] / "paris", dirs["data"] / "hq"
    drive = day / "drive"
    drive.mkdir()

    def cli(vault: Path, *args: str | Path) -> str:
        done = subprocess.run(
            [executable(), "--vault", str(vault), *map(str, args)],
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, f"{args}: {done.stderr}"
        return done.stdout.strip()

    fast = ("--kdf-memory", "64", "--kdf-iterations", "1")
    cli(hq_dir, "init", "--name", "HQ", "--role", "hq", *fast)
    cli(station_dir, "init", "--name", "Paris", *fast)
    cli(station_dir, "enrol", "request", "--out", day / "request.json")
    cli(hq_dir, "enrol", "approve", day / "request.json", "--out", day / "approval.json", "--yes")
    cli(station_dir, "enrol", "accept", day / "approval.json", "--yes")
    c = CANARIES
    org = cli(station_dir, "org", "add", "--name", c[0], "--notes", c[1])
    contact = cli(
        station_dir,
        "contact", "add", "--name", c[2], "--org", org, "--trust-notes", c[3],
        "--address", c[4], "--how-met", c[5], "--distribution", "all",
    )  # fmt: skip
    meeting = cli(
        station_dir,
        "meeting", "add", "--title", c[6], "--when", "2026-03-14T10:30", "--tz", "UTC",
        "--place", c[7], "--summary", c[8], "--notes", c[9], "--participant", contact,
    )  # fmt: skip
    cli(station_dir, "followup", "add", "--action", c[10], "--owner", c[11], "--notes", c[12])
    cli(
        hq_dir,
        "protocol", "add", "--title", c[13], "--body", c[14], "--source", c[15],
        "--distribution", "all",
    )  # fmt: skip
    card = documents / f"{c[16]}.txt"
    card.write_bytes(c[17].encode("utf-8") + b"\n" + c[17].encode("utf-16"))
    attachment = cli(station_dir, "attachment", "add", contact, card)
    for canary in (c[0], c[2], c[6], c[10], c[13]):  # a search of each kind's own text
        cli(station_dir, "search", canary)
    for _ in range(2):  # both ways, twice: HQ's library out, the station's work in
        cli(station_dir, "sync", "drive", drive)
        cli(hq_dir, "sync", "drive", drive)
    cli(hq_dir, "search", c[2])

    args = {
        "vault": str(station_dir),
        "passphrase": PASSPHRASE,
        "search": SEARCHED_ONLY,
        "gui_name": c[18],
        "role": f"note-taker {c[5]}",
        "meeting": meeting,
        "contact": contact,
        "attachment": attachment,
    }
    with open(dirs["logs"] / "window.log", "wb") as log:
        child = subprocess.run(
            [sys.executable, "-c", GUI_DAY, json.dumps(args)],
            cwd=Path(__file__).resolve().parents[1],
            env={**env, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
            stdout=log,
            stderr=log,
            timeout=180,
            check=False,
        )
    assert child.returncode == -signal.SIGKILL, (dirs["logs"] / "window.log").read_text()
    for _ in range(2):
        cli(station_dir, "sync", "drive", drive)
        cli(hq_dir, "sync", "drive", drive)
    gui_contact = json.loads(cli(hq_dir, "contact", "list", "--json"))
    assert c[18] in {row["full_name"] for row in gui_contact}  # the window's work reached HQ

    outside = [p for p in _files(day) if not _is_vault_or_bundle(p)]
    ram = root_folder(ram_base(RAM_FOLDER))
    outside += _files(ram) if ram.is_dir() else []
    assert {"keys.json", "window.log", "request.json", "approval.json"} <= {p.name for p in outside}
    assert _scan([card]) == {str(card): [c[17]]}  # the scan finds a canary where one is
    assert _scan(outside) == {}
    # The vault and the bundles hold the canaries only encrypted.
    assert _scan([p for p in _files(day) if _is_vault_or_bundle(p)]) == {}
