"""Long text on the command line: `--notes TEXT`, or `--notes-file FILE`, `-` for stdin.

Notes, summaries, trust notes and protocol bodies run to pages: typed as one
argument they end up in the shell's history and are cut by its quoting. Every
option that takes such text comes with a `…-file` twin, built here alike.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from liaison_desk.core.errors import FileRefused, ValidationError
from liaison_desk.core.user_files import read_utf8, size_text
from liaison_desk.core.validation import LONG_TEXT_BYTES

F = TypeVar("F", bound=Callable[..., Any])

STDIN = Path("-")


def long_text_option(flag: str, help: str) -> Callable[[F], F]:
    """`--FLAG TEXT` and `--FLAG-file FILE` (`-`: standard input), handed on as one value.

    The command receives the text under the option's own name, whichever way it
    came; giving both is refused with a sentence.
    """
    name = flag.removeprefix("--").replace("-", "_")
    file_flag = f"{flag}-file"

    def apply(func: F) -> F:
        @functools.wraps(func)
        def command(*args: Any, **kwargs: Any) -> Any:
            path: Path | None = kwargs.pop(f"{name}_file")
            if path is not None:
                if kwargs.get(name) is not None:
                    raise ValidationError(f"Give {flag} or {file_flag}, not both.")
                kwargs[name] = read_long_text(path)
            return func(*args, **kwargs)

        with_file = click.option(
            file_flag,
            f"{name}_file",
            type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
            help=f"Read the text of {flag} from this UTF-8 file ('-': standard input).",
        )(command)
        return click.option(flag, name, help=help)(with_file)  # type: ignore[return-value]

    return apply


def read_long_text(path: Path) -> str:
    """The text of a file, or of standard input for `-`, without its final line break."""
    if path == STDIN:
        data = sys.stdin.buffer.read(LONG_TEXT_BYTES + 1)
        if len(data) > LONG_TEXT_BYTES:
            raise FileRefused(
                f"The text on standard input is over {size_text(LONG_TEXT_BYTES)}; "
                "texts that long are refused."
            )
        try:
            text: str = data.decode("utf-8")
        except UnicodeDecodeError:
            raise FileRefused("The text on standard input is not UTF-8.") from None
    else:
        text = read_utf8(path, LONG_TEXT_BYTES, "texts")
    return text.rstrip("\r\n")
