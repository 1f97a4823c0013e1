"""Passwords: the policy a new password must meet, hashing, and checks that take equal time."""

from __future__ import annotations

from functools import cache
from importlib import resources

from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from workbench.core import limits
from workbench.core.errors import ValidationError
from workbench.core.i18n import _

MIN_PASSWORD = 8
# werkzeug's default; the test suite sets a cheaper method so hundreds of sign-ins stay fast.
HASH_METHOD = "scrypt"


@cache
def common_passwords() -> frozenset[str]:
    """Return the shipped list of common passwords, lower-cased (comments and blanks skipped)."""
    text = resources.files("workbench").joinpath("data", "common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def check_new_password(password: str, *, username: str = "") -> None:
    """Refuse a password that is short, blank, common or the username itself (HTTP 422)."""
    if "\x00" in password:
        raise ValidationError(_("A password cannot contain a NUL character."))
    problem = limits.too_long(_("The password"), password, limits.PASSWORD)
    if problem:
        raise ValidationError(problem)
    if not password.strip():
        raise ValidationError(_("A password cannot be only spaces."))
    if len(password) < MIN_PASSWORD:
        raise ValidationError(_("Passwords need at least %(n)s characters.", n=MIN_PASSWORD))
    folded = password.strip().lower()
    if username and folded == username.strip().lower():
        raise ValidationError(_("A password cannot be the username."))
    if folded in common_passwords() or len(set(folded)) == 1:
        raise ValidationError(
            _(
                "This password is on the list of common passwords that are guessed first; "
                "choose another (a few unrelated words make a good one)."
            )
        )


def hash_password(password: str) -> str:
    """Return the salted hash stored for a password."""
    return generate_password_hash(password, method=HASH_METHOD)


def verify(password_hash: str | None, password: str) -> bool:
    """Check a password against a stored hash; without a hash, spend the same time and fail.

    Hashing a dummy for unknown usernames keeps the answer's timing from telling which
    usernames exist.
    """
    # No stored password is longer than the limit, so a longer one is wrong; only its first
    # part is hashed (in the same time), and it fails even when that part is right.
    too_long = len(password) > limits.PASSWORD
    password = password[: limits.PASSWORD]
    if password_hash is None:
        check_password_hash(_dummy_hash(HASH_METHOD), password)
        return False
    return check_password_hash(password_hash, password) and not too_long


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("no account has this password", method=method)
