"""Passwords (argon2id) and random tokens (stored only as SHA-256 hashes)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so a wrong e-mail costs as long as a wrong
# password and timing does not tell which one was wrong.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """True when `password` matches; always spends the time of one argon2 verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def generate_password() -> str:
    """A password for a person to type once: 4 groups of 5 unambiguous characters."""
    alphabet = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY3479"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))


def new_token(prefix: str = "") -> str:
    """A long random token (256 bits) for links and API access."""
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """SHA-256 of a token: enough for 256-bit random tokens, and fast to look up."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def link_token_hash(token: str) -> str | None:
    """What a candidate's link token is stored as, or None for a string that cannot be one."""
    if not token or len(token) > 128:
        return None
    return hash_token(token)


def tokens_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


_BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")
"""NUL, which PostgreSQL cannot store in text, and UTF-16 surrogates, which no UTF-8 text
holds: in a decoded Python string any surrogate left over is unpaired (JSON's escaped pairs
such as an emoji decode to one character)."""


def bad_character(text: str) -> str | None:
    """The first character of `text` no stored text may hold, or None."""
    found = _BAD_CHARACTER.search(text)
    return found.group() if found else None


def find_bad_string(
    value: object, location: tuple[str | int, ...] = ()
) -> tuple[str | int, ...] | None:
    """Where in a decoded JSON value (or a string) a key or string holds a bad character:
    the path to it, or None when there is none."""
    if isinstance(value, str):
        return location if bad_character(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and bad_character(key):
                return (*location, key)
            found = find_bad_string(item, (*location, key))
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = find_bad_string(item, (*location, index))
            if found is not None:
                return found
    return None


def replace_lone_surrogates(value: object) -> object:
    """`value` with every unpaired surrogate in its strings replaced by U+FFFD (for data
    stored before such input was refused)."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, dict):
        return {replace_lone_surrogates(k): replace_lone_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [replace_lone_surrogates(item) for item in value]
    return value
