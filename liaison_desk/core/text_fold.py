"""One way to compare text the officer types with text in the vault: accents and case folded.

The search index folds with SQLite's `unicode61 remove_diacritics 2` tokenizer;
this function folds the same way for everything else (list filters, the words
of a search), so "helene", "Hélène" and "HELENE" find the same records in
Ctrl+K and in every list. Registered on every vault connection as the SQL
function `fold()`, so list filters stay in SQL.
"""

from __future__ import annotations

import unicodedata

SQL_NAME = "fold"


def fold(text: str) -> str:
    """`text` without accents, in lower case: "Hélène" -> "helene".

    Canonical decomposition (NFD, not NFKD) and lower() (not casefold()), as the
    tokenizer does: "ß" stays "ß" and "ﬁ" stays "ﬁ", so a word folded here is
    the word the index holds. A list filter folds every title it scans, so plain
    ASCII takes a shortcut.
    """
    if text.isascii():
        return text.lower()
    return text.translate(_UNACCENTED).lower()


def _unaccented(char: str) -> str:
    """The letter without its accents."""
    parts = unicodedata.normalize("NFD", char)
    return "".join(c for c in parts if not unicodedata.combining(c))


# Latin letters only, as the tokenizer does: unicode61 leaves the accents of other
# scripts alone (Greek "ελένη" stays so in the index), so folding them here would make
# a typed word miss its own record. Built once, ASCII included: a character missing
# from the table costs str.translate a caught exception. Accents typed or pasted apart
# from their letter (combining marks, as in decomposed text) go, as the tokenizer drops them.
_UNACCENTED = {code: _unaccented(chr(code)) for code in (*range(0x0250), *range(0x1E00, 0x1F00))}
_UNACCENTED |= dict.fromkeys(range(0x0300, 0x0370), "")


def sql_fold(text: object) -> object:
    """`fold` for SQL: NULL and numbers pass through unchanged."""
    return fold(text) if isinstance(text, str) else text
