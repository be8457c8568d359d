"""Sealed backups: ``safeplace backup-key``, ``backup`` for public keys, ``restore --identity``.

The backups are made with the module (as in ``test_restore``: the command would leave its
connection open in this process, which a restore would take for a service holding the database);
the key file, the settings and the restore go through the commands as an operator runs them.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pyrage
import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner, Result

from api import backup, sealing
from api.audit import NOT_SEALED, SEALED
from api.cli_console import EXIT_BROKEN, EXIT_INVALID
from api.cli_service import register
from api.db.session import Database
from api.db.tables import AuditRow
from tests.api.rows import register_one
from tests.api.test_restore import DAYS, NOW, file_of, folder_of, referrals_in

SQLITE_HEADER = b"SQLite format 3\x00"


def run(url: str, tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    app = typer.Typer()
    register(app)
    environment = {"SAFEPLACE_DATABASE_URL": url, "SAFEPLACE_VAR_DIR": str(tmp_path / "var")}
    return CliRunner().invoke(app, list(args), env=environment | (env or {}))


def new_key(url: str, tmp_path: Path, name: str) -> tuple[Path, str]:
    """A key file made by ``safeplace backup-key``, and the public key it printed."""
    path = tmp_path / name
    made = run(url, tmp_path, "backup-key", str(path))
    assert made.exit_code == 0, made.output
    public = made.stdout.strip()
    assert re.fullmatch(r"age1[0-9a-z]{58}", public), public
    return path, public


def test_backup_key_writes_a_private_key_file_and_prints_its_public_key(
    sqlite_file: tuple[str, Database], tmp_path: Path
) -> None:
    url, _ = sqlite_file
    path, public = new_key(url, tmp_path, "backup.key")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # The file is age-keygen's format, and its key is the one printed: what is sealed for the
    # public key opens with the file.
    (identity,) = sealing.read_identities(path)
    assert f"# public key: {public}" in path.read_text()
    secret = pyrage.encrypt(b"check", [pyrage.x25519.Recipient.from_str(public)])
    assert pyrage.decrypt(secret, [identity]) == b"check"
    # A key file is never replaced: the keys it opens stay openable.
    before = path.read_bytes()
    again = run(url, tmp_path, "backup-key", str(path))
    assert again.exit_code == EXIT_INVALID
    assert "exists" in again.output
    assert path.read_bytes() == before
    nowhere = run(url, tmp_path, "backup-key", str(tmp_path / "no-such-folder" / "k"))
    assert nowhere.exit_code == EXIT_INVALID
    assert "is no folder" in nowhere.output


def test_a_sealed_backup_holds_nothing_readable_and_restores_with_either_key(
    sqlite_file: tuple[str, Database], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, database = sqlite_file
    case = register_one(database, 1, NOW)
    first, first_public = new_key(url, tmp_path, "first.key")
    second, second_public = new_key(url, tmp_path, "second.key")
    shelf = tmp_path / "shelf"
    shelf.mkdir()

    # While the copy is sealed, nothing readable lies on the backup's medium: the plain copy is
    # beside the database.
    seal = sealing.seal
    plain_folders: list[Path] = []
    beside_target: dict[str, bytes] = {}

    def watched(plain: Path, sealed: Path, keys: list[str]) -> None:
        plain_folders.append(plain.parent)
        beside_target.update(
            {path.name: path.read_bytes()[: len(SQLITE_HEADER)] for path in shelf.iterdir()}
        )
        seal(plain, sealed, keys)

    monkeypatch.setattr(sealing, "seal", watched)
    made = backup.back_up(
        url, shelf / "nightly.age", audit_days=DAYS, keys=(first_public, second_public)
    )
    assert made.sealed_for == 2
    assert plain_folders == [file_of(url).parent]
    assert len(beside_target) == 1  # the sealed file being written, and nothing else
    assert all(head != SQLITE_HEADER for head in beside_target.values())
    assert [path.name for path in shelf.iterdir()] == ["nightly.age"]
    sealed = (shelf / "nightly.age").read_bytes()
    assert sealed.startswith(sealing.HEADER)
    assert SQLITE_HEADER not in sealed
    assert case.encode() not in sealed
    assert stat.S_IMODE((shelf / "nightly.age").stat().st_mode) == 0o600
    assert not [name for name in folder_of(url) if name.endswith(".partial")]

    register_one(database, 2, NOW)
    database.dispose()
    for key in (first, second):
        result = run(
            url, tmp_path, "restore", str(shelf / "nightly.age"), "--yes", "--identity", str(key)
        )
        assert result.exit_code == 0, result.output
        assert referrals_in(file_of(url)) == {case}
        assert not [name for name in folder_of(url) if name.endswith(".restoring")]


@pytest.fixture
def sealed_backup(sqlite_file: tuple[str, Database], tmp_path: Path) -> tuple[str, Path, Path]:
    """A database with one referral, a backup of it sealed for one key, and that key's file."""
    url, database = sqlite_file
    register_one(database, 1, NOW)
    key, public = new_key(url, tmp_path, "backup.key")
    made = backup.back_up(url, tmp_path / "nightly.age", audit_days=DAYS, keys=(public,))
    register_one(database, 2, NOW)  # the database of now differs from the backup
    database.dispose()
    return url, made.path, key


def unchanged(url: str, run_restore: Result, before: set[str], exit_code: int) -> None:
    assert run_restore.exit_code == exit_code, run_restore.output
    assert "nothing restored" in run_restore.output
    assert referrals_in(file_of(url)) == before
    assert not [name for name in folder_of(url) if "before-restore" in name or name[0] == "."]


def test_a_sealed_backup_without_a_key_or_with_another_is_refused(
    sealed_backup: tuple[str, Path, Path], tmp_path: Path
) -> None:
    url, sealed, _ = sealed_backup
    before = referrals_in(file_of(url))
    bare = run(url, tmp_path, "restore", str(sealed), "--yes")
    unchanged(url, bare, before, EXIT_INVALID)
    assert "is sealed (age): give --identity FILE" in bare.output
    other, _ = new_key(url, tmp_path, "other.key")
    wrong = run(url, tmp_path, "restore", str(sealed), "--yes", "--identity", str(other))
    unchanged(url, wrong, before, EXIT_INVALID)
    assert f"no key in {other} opens" in wrong.output


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (lambda data: data[:-100], "was altered or cut short"),
        (lambda data: data[:-1000] + bytes([data[-1000] ^ 1]) + data[-999:], "was altered"),
        (lambda data: data[: len(sealing.HEADER)] + b"-> X25519 garbage\n", "cannot be opened"),
    ],
    ids=["cut short", "a byte flipped", "a broken header"],
)
def test_a_damaged_sealed_backup_is_refused_whole(
    sealed_backup: tuple[str, Path, Path],
    tmp_path: Path,
    damage: Callable[[bytes], bytes],
    why: str,
) -> None:
    """age authenticates every chunk and marks the last: no part of a damaged backup is
    restored, whatever its damage."""
    url, sealed, key = sealed_backup
    before = referrals_in(file_of(url))
    sealed.write_bytes(damage(sealed.read_bytes()))
    result = run(url, tmp_path, "restore", str(sealed), "--yes", "--identity", str(key))
    unchanged(url, result, before, EXIT_BROKEN)
    assert why in result.output


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (None, "no key file at"),
        (b"\xff\xfe\x00binary", "is not text"),
        (b"# only comments\n\n", "holds no age secret key"),
        (b"age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq\n", "line 1: not"),
        (b"# a comment\nAGE-SECRET-KEY-1DAMAGEDBUTLONGENOUGHTOLOOKLIKEONE\n", "line 2: a damaged"),
        (b"AGE-SECRET-KEY-1DAMAGEDBUT" + b"Q" * 2000 + b"\n", "line 1: not an age secret key"),
    ],
    ids=["missing", "binary", "empty", "a public key", "damaged", "too long"],
)
def test_a_key_file_that_holds_no_key_is_refused_before_anything_is_restored(
    sealed_backup: tuple[str, Path, Path], tmp_path: Path, content: bytes | None, why: str
) -> None:
    url, sealed, _ = sealed_backup
    before = referrals_in(file_of(url))
    key = tmp_path / "wrong.key"
    if content is not None:
        key.write_bytes(content)
    result = run(url, tmp_path, "restore", str(sealed), "--yes", "--identity", str(key))
    unchanged(url, result, before, EXIT_INVALID)
    assert "--identity:" in result.output
    assert why in result.output
    assert "DAMAGEDBUT" not in result.output  # a secret key's line is never repeated


def test_the_backup_command_seals_for_the_configured_keys_and_refuses_a_bad_one(
    sqlite_file: tuple[str, Database], tmp_path: Path
) -> None:
    url, database = sqlite_file
    register_one(database, 1, NOW)
    database.dispose()
    _, first = new_key(url, tmp_path, "first.key")
    _, second = new_key(url, tmp_path, "second.key")
    configured = {"SAFEPLACE_BACKUP_RECIPIENTS": f" {first},\n{second} "}
    made = run(url, tmp_path, "backup", str(tmp_path / "a.age"), env=configured)
    assert made.exit_code == 0, made.output
    assert "sealed for 2 keys" in made.output
    assert sealing.is_sealed(tmp_path / "a.age")
    # --recipient replaces the configured keys.
    one = run(
        url, tmp_path, "backup", str(tmp_path / "b.age"), "--recipient", first, env=configured
    )
    assert one.exit_code == 0, one.output
    assert "sealed for 1 key)" in one.output
    plain = run(url, tmp_path, "backup", str(tmp_path / "c.db"))
    assert plain.exit_code == 0, plain.output
    assert "plain, owner only" in plain.output
    assert not sealing.is_sealed(tmp_path / "c.db")
    # The trail tells the auditor which backups left the service readable by whoever gets them.
    with database.session() as session:
        rows = session.execute(
            select(AuditRow.object_id).where(AuditRow.action == "export").order_by(AuditRow.seq)
        )
        assert [row.object_id for row in rows] == [SEALED, SEALED, NOT_SEALED]

    bad = {"SAFEPLACE_BACKUP_RECIPIENTS": f"{first} age1nokey"}
    refused = run(url, tmp_path, "backup", str(tmp_path / "d.age"), env=bad)
    assert refused.exit_code == EXIT_INVALID
    assert "SAFEPLACE_BACKUP_RECIPIENTS: 'age1nokey' is no age public key" in refused.output
    secret = new_key(url, tmp_path, "third.key")[0].read_text().splitlines()[-1]
    pasted = run(url, tmp_path, "backup", str(tmp_path / "f.age"), "--recipient", secret.lower())
    assert pasted.exit_code == EXIT_INVALID
    assert "a secret key (AGE-SECRET-KEY-1...) where a public key belongs" in pasted.output
    assert secret[20:40] not in pasted.output.upper()  # never repeated
    option = run(url, tmp_path, "backup", str(tmp_path / "e.age"), "--recipient", "ssh-rsa AAAA")
    assert option.exit_code == EXIT_INVALID
    assert "--recipient: 'ssh-rsa' is no age public key" in option.output
    assert not (tmp_path / "d.age").exists()
    assert not (tmp_path / "e.age").exists()


def test_a_sealed_backup_that_cannot_write_beside_the_database_says_where(
    sqlite_file: tuple[str, Database], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its plain copy is made beside the database, so a folder there that takes no file (the
    command run as a user who may read the database but not write beside it) is named, not the
    target's folder, which would be no help."""
    url, _ = sqlite_file
    _, public = new_key(url, tmp_path, "backup.key")
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    database_folder = file_of(url).parent
    opened = os.open

    def no_room_beside_the_database(path: str | Path, flags: int, mode: int = 0o777) -> int:
        if Path(path).parent == database_folder and Path(path).name.endswith(".partial"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return opened(path, flags, mode)

    monkeypatch.setattr(os, "open", no_room_beside_the_database)
    with pytest.raises(backup.BackupError) as refused:
        backup.back_up(url, shelf / "nightly.age", audit_days=DAYS, keys=(public,))
    assert str(refused.value) == (
        f"cannot write {shelf / 'nightly.age'}: Permission denied (in {database_folder})"
    )
    assert list(shelf.iterdir()) == []


def test_a_backup_that_cannot_be_read_says_so_not_that_the_database_cannot_be_written(
    sealed_backup: tuple[str, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, sealed, key = sealed_backup
    before = referrals_in(file_of(url))

    def unreadable(path: Path) -> bool:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr(sealing, "is_sealed", unreadable)
    result = run(url, tmp_path, "restore", str(sealed), "--yes", "--identity", str(key))
    unchanged(url, result, before, EXIT_BROKEN)
    assert f"cannot read {sealed}: Permission denied" in result.output


@pytest.mark.skipif(shutil.which("age") is None, reason="the age command line is not installed")
def test_the_age_command_line_opens_a_sealed_backup(
    sealed_backup: tuple[str, Path, Path], tmp_path: Path
) -> None:
    """README promises that a sealed backup opens without Safeplace, with ``age -d``."""
    _, sealed, key = sealed_backup
    opened = tmp_path / "opened.db"
    done = subprocess.run(
        ["age", "-d", "-i", str(key), "-o", str(opened), str(sealed)],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert opened.read_bytes().startswith(SQLITE_HEADER)
    assert referrals_in(opened) == {"C0000000000000001"}


@pytest.mark.parametrize(
    "pasted",
    ["AGE-SECRET-KEY-1QQQQDAMAGEDSECRET", "AGE-SECRET-KEY-QQQQDAMAGEDSECRET"],
    ids=["damaged", "its 1 lost"],
)
def test_a_secret_key_given_as_a_public_key_is_never_repeated(pasted: str) -> None:
    """Even cut or mistyped, a line that starts as a secret key does is refused as one, not
    quoted back as some string that is no public key."""
    with pytest.raises(sealing.SealingError) as refused:
        sealing.recipients(f"{pasted} {pasted.lower()}")
    assert "a secret key (AGE-SECRET-KEY-1...) where a public key belongs" in str(refused.value)
    assert "DAMAGEDSECRET" not in str(refused.value).upper()


def test_nothing_is_sealed_for_no_key(tmp_path: Path) -> None:
    plain = tmp_path / "plain.db"
    plain.write_bytes(SQLITE_HEADER)
    sealed = tmp_path / "sealed.age"
    sealed.touch()
    with pytest.raises(sealing.SealingError, match="no public key"):
        sealing.seal(plain, sealed, [])
    assert sealed.read_bytes() == b""


def test_a_key_file_is_never_replaced_even_when_made_meanwhile(tmp_path: Path) -> None:
    """The command refuses a name taken before; one taken between that check and the write
    (another ``backup-key`` run at once) is not written over either."""
    path = tmp_path / "backup.key"
    path.write_text("the other key\n")
    with pytest.raises(FileExistsError):
        sealing.new_key_file(path, private_mode=0o600)
    assert path.read_text() == "the other key\n"


def test_a_plain_backup_restores_with_a_key_given_all_the_same(
    sqlite_file: tuple[str, Database], tmp_path: Path
) -> None:
    """The key is for sealed backups: a plain one (taken before the keys were set up) is
    restored as it is, the key file unused, as a script that always gives it expects."""
    url, database = sqlite_file
    case = register_one(database, 1, NOW)
    backup.back_up(url, tmp_path / "plain.db", audit_days=DAYS)
    register_one(database, 2, NOW)
    database.dispose()
    key, _ = new_key(url, tmp_path, "backup.key")
    result = run(
        url, tmp_path, "restore", str(tmp_path / "plain.db"), "--yes", "--identity", str(key)
    )
    assert result.exit_code == 0, result.output
    assert referrals_in(file_of(url)) == {case}
