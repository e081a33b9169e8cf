"""The console script starts the desktop application: on X11, and with no display at all.

Every other GUI test runs offscreen, which loads none of the libraries Qt's xcb platform
needs from the system; here the real `liaison-desk` runs under Xvfb with the xcb platform, as
on a desktop, and the test watches the X server from outside (xdotool) for its first window.
`make install` installs Xvfb, xdotool and the system libraries (packaging/system-libraries.txt).
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from liaison_desk.ui.app import NoDisplay, check_display

FIRST_WINDOW = "Liaison Desk: first start"  # FirstRunWizard's title
START_TIMEOUT_S = 60.0
EXIT_TIMEOUT_S = 30.0
SCRIPT = Path(sys.executable).with_name("liaison-desk")

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="X11 and its absence: Linux")


def desktop_env(home: Path, **extra: str) -> dict[str, str]:
    """A user's environment with an empty home: no vault yet, no display unless given."""
    for sub in ("data", "config", "runtime"):
        (home / sub).mkdir(parents=True, mode=0o700)
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_RUNTIME_DIR": str(home / "runtime"),
        "LANG": "C.UTF-8",
        **extra,
    }


@pytest.fixture
def x_display() -> Iterator[str]:
    """An Xvfb server on a display number it picks itself (free, whoever else runs one)."""
    for tool in ("Xvfb", "xdotool"):
        assert shutil.which(tool), f"{tool} is missing: `make install` installs it"
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], START_TIMEOUT_S)
        number = os.read(read_end, 64).decode().strip() if ready else ""
        assert number.isdigit(), "Xvfb did not start"
        yield f":{number}"
    finally:
        os.close(read_end)
        server.terminate()
        try:
            server.wait(timeout=EXIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=EXIT_TIMEOUT_S)


def xdotool(display: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["xdotool", *args],
        env={"PATH": os.environ["PATH"], "DISPLAY": display},
        capture_output=True,
        text=True,
        timeout=EXIT_TIMEOUT_S,
        check=False,
    )


def wait_for_window(display: str, title: str, app: subprocess.Popen[str]) -> str:
    """The id of the visible window called `title`, once the X server shows it."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and app.poll() is None:
        found = xdotool(display, "search", "--onlyvisible", "--name", f"^{title}$")
        if found.returncode == 0 and found.stdout.split():
            return found.stdout.split()[0]
        time.sleep(0.2)
    raise AssertionError(f"no window {title!r} on {display} (the application exited {app.poll()})")


@linux_only
def test_the_application_shows_its_first_window_on_x11(x_display: str, tmp_path: Path) -> None:
    env = desktop_env(tmp_path / "home", DISPLAY=x_display, QT_QPA_PLATFORM="xcb")
    app = subprocess.Popen(
        [str(SCRIPT)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        window = wait_for_window(x_display, FIRST_WINDOW, app)
        xdotool(x_display, "windowfocus", "--sync", window)
        xdotool(x_display, "key", "Escape")  # Cancel, as a user would: the last window closes
        out, err = app.communicate(timeout=EXIT_TIMEOUT_S)
    finally:
        if app.poll() is None:
            app.kill()
            app.communicate(timeout=EXIT_TIMEOUT_S)

    assert app.returncode == 0, err
    assert (out, err) == ("", ""), "the application printed something (a Qt warning?)"
    assert not (tmp_path / "home" / "data" / "LiaisonDesk").exists(), "cancelled: no vault"


@linux_only
def test_with_no_display_the_application_says_so_in_one_sentence(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(SCRIPT)],
        env=desktop_env(tmp_path / "home"),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S,
        check=False,
    )

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "Error: There is no display to show the window on: start Liaison Desk from a desktop"
        " session, or use its commands (liaison-desk --help).\n"
    )


def test_a_chosen_platform_needs_its_display_and_a_screenless_one_none() -> None:
    no_display = {"PATH": "/usr/bin"}
    for chosen in ("", "xcb", "wayland"):
        with pytest.raises(NoDisplay):
            check_display({**no_display, "QT_QPA_PLATFORM": chosen}, "linux")
    check_display({**no_display, "QT_QPA_PLATFORM": "offscreen"}, "linux")
    check_display({**no_display, "DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, "linux")
    check_display({**no_display, "WAYLAND_DISPLAY": "wayland-0"}, "linux")
    check_display(no_display, "win32")  # Windows and macOS always have their screen
