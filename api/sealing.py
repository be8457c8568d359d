"""Backups sealed with age: encrypted to public keys, so the place they are kept cannot read them.

A backup holds every referral and password hash of the service: special-category personal data.
Kept as a plain SQLite file, it is readable by whoever gets the disk, the tape or the cloud bucket
it ends up on. Sealed to one or more public keys (``SAFEPLACE_BACKUP_RECIPIENTS``), only the
holder of a matching secret key can open it, and that key need never be on the server: the server
can write backups it cannot read back.

The format is age (https://age-encryption.org/v1, X25519 keys, ChaCha20-Poly1305 in 64 KiB
chunks), through ``pyrage``, the Python binding of the Rust implementation ``rage``: a published,
reviewed format that the ``age`` and ``rage`` command lines open too, so a sealed backup can be
checked or opened without Safeplace. Every chunk is authenticated and the last one is marked, so a
sealed file that was altered or cut short is refused whole, never restored in part.

This module only seals and opens files and reads keys; :mod:`api.backup` and :mod:`api.restore`
decide where the plain copy lives while it is checked (beside the database, never beside the
sealed file, so nothing readable is ever written to the backup's medium).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import pyrage

# The first line of every age file.
HEADER: Final = b"age-encryption.org/v1\n"
# Public keys in SAFEPLACE_BACKUP_RECIPIENTS and --recipient are separated by commas or spaces.
_SEPARATORS = re.compile(r"[\s,]+")
_SECRET_PREFIX = "AGE-SECRET-KEY-1"
# A key file's lines hold one key each; a longer line is no key, and is not read further.
_MAX_LINE = 1024


class SealingError(ValueError):
    """A key or a sealed file that cannot be used; the message says which and why, and never
    repeats a secret key."""


class WrongKey(SealingError):
    """None of the secret keys given opens the sealed file: it was sealed for others."""


def recipients(text: str) -> tuple[str, ...]:
    """The age public keys (``age1...``) in ``text``, separated by commas or spaces; each is
    checked, and :class:`SealingError` names the first that is none."""
    keys = tuple(key for key in _SEPARATORS.split(text.strip()) if key)
    for key in keys:
        _recipient(key)
    return keys


def _recipient(key: str) -> pyrage.x25519.Recipient:
    if key.upper().startswith(_SECRET_PREFIX[:-1]):  # never echoed, whatever follows
        raise SealingError(
            "a secret key (AGE-SECRET-KEY-1...) where a public key belongs: give its public key "
            "(age1..., on the key file's '# public key' line), and keep the secret key off this "
            "server"
        )
    try:
        return pyrage.x25519.Recipient.from_str(key)
    except pyrage.RecipientError as error:
        shown = key if len(key) <= 80 else key[:77] + "..."
        raise SealingError(f"'{shown}' is no age public key (age1...): {error}") from None


def is_sealed(path: Path) -> bool:
    """Whether ``path`` begins as an age file does (a plain backup begins as SQLite files do)."""
    with path.open("rb") as file:
        return file.read(len(HEADER)) == HEADER


def seal(plain: Path, sealed: Path, keys: Sequence[str]) -> None:
    """Encrypt ``plain`` into ``sealed`` (an existing empty file, whose mode is kept) for every
    public key in ``keys``, and flush it to the disk."""
    if not keys:
        raise SealingError("no public key to seal the backup with")
    parsed = [_recipient(key) for key in keys]
    with plain.open("rb") as source, sealed.open("r+b") as target:
        pyrage.encrypt_io(source, target, parsed)
        target.flush()
        os.fsync(target.fileno())


def unseal(sealed: Path, plain: Path, identity_file: Path) -> None:
    """Decrypt ``sealed`` into ``plain`` (an existing empty file, whose mode is kept) with the
    secret keys in ``identity_file``; :class:`SealingError` when none of them opens it, or when
    the sealed file was altered or cut short."""
    identities = read_identities(identity_file)
    with sealed.open("rb") as source, plain.open("r+b") as target:
        try:
            pyrage.decrypt_io(source, target, identities)
        except pyrage.DecryptError as error:
            if "no matching keys" in str(error).lower():
                raise WrongKey(
                    f"no key in {identity_file} opens {sealed}: it was sealed for other keys"
                ) from None
            raise SealingError(f"{sealed} cannot be opened: {error}") from None
        except OSError:
            raise SealingError(
                f"{sealed} was altered or cut short: it fails age's authentication"
            ) from None
        target.flush()
        os.fsync(target.fileno())


def read_identities(path: Path) -> list[pyrage.x25519.Identity]:
    """The secret keys in an age key file (as ``age-keygen`` or ``safeplace backup-key`` writes
    it: ``#`` comments and one ``AGE-SECRET-KEY-1...`` per line); :class:`SealingError` naming
    the file and line of anything else, without repeating the line."""
    try:
        with path.open(encoding="utf-8") as file:
            lines = [line[: _MAX_LINE + 1] for line in file]
    except FileNotFoundError:
        raise SealingError(f"no key file at {path}") from None
    except UnicodeDecodeError:
        raise SealingError(f"{path} is no age key file: it is not text") from None
    except OSError as error:
        raise SealingError(f"cannot read {path}: {error.strerror or error}") from None
    identities = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if not text.startswith(_SECRET_PREFIX) or len(text) > _MAX_LINE:
            raise SealingError(
                f"{path}, line {number}: not an age secret key ({_SECRET_PREFIX}...)"
            )
        try:
            identities.append(pyrage.x25519.Identity.from_str(text))
        except pyrage.IdentityError:
            raise SealingError(f"{path}, line {number}: a damaged age secret key") from None
    if not identities:
        raise SealingError(f"{path} holds no age secret key")
    return identities


def new_key_file(path: Path, *, private_mode: int) -> str:
    """Write a new secret key to ``path`` (which must not exist; file mode ``private_mode``) in
    the format of ``age-keygen``, and return its public key."""
    identity = pyrage.x25519.Identity.generate()
    public = str(identity.to_public())
    created = datetime.now(UTC).replace(microsecond=0).isoformat()
    text = f"# created: {created}\n# public key: {public}\n{identity}\n"
    descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, private_mode)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    return public
