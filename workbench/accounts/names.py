"""Usernames as stored and as compared: the one rule sign-in, accounts and throttling share."""

from __future__ import annotations

import unicodedata


def normalise_username(name: str) -> str:
    """A username as stored: trimmed and in Unicode NFC, so 'Ü' typed two ways is one name."""
    return unicodedata.normalize("NFC", name.strip())


def fold_username(name: str) -> str:
    """A username as compared: two names with the same fold are one account ("boſs", "BOSS")."""
    return normalise_username(name).casefold()
