"""Which passphrases we refuse at creation, and why, in words the officer can act on."""

from __future__ import annotations

MIN_LENGTH = 12
_COMMON = frozenset(
    {"password1234", "passwordpassword", "123456789012", "qwertyuiopas", "liaisondesk123"}
)


def weakness(passphrase: str) -> str | None:
    """A sentence saying why this passphrase is too weak, or None if it is acceptable."""
    if len(passphrase) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters; three or four unrelated words work well."
    if len(set(passphrase)) < 6:
        return "The passphrase repeats too few different characters."
    if passphrase.lower() in _COMMON:
        return "That passphrase is among the first ones an attacker tries."
    return None
