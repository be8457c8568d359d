"""The embedded SQLite engine: set-up that must hold when several processes open one new file."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from sqlalchemy import text

from api.db.engine import make_engine


def test_a_new_file_locked_by_another_writer_still_switches_to_wal(tmp_path: Path) -> None:
    """A second process opening a new (rollback-journal) file while the first writes must wait.

    SQLite refuses this switch at once instead of calling the busy handler; before the engine
    retried it, two service processes starting together on a new database could fail.
    """
    path = tmp_path / "new.db"
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE first_writer (id INTEGER)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO first_writer VALUES (1)")
    finish = threading.Timer(0.3, lambda: writer.execute("COMMIT"))
    finish.start()
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
            rows = connection.execute(text("SELECT count(*) FROM first_writer")).scalar()
        assert (mode, rows) == ("wal", 1)
    finally:
        finish.join()
        engine.dispose()
        writer.close()


def test_the_database_files_are_the_owners_alone(tmp_path: Path) -> None:
    """They hold special-category personal data and password hashes: no other local user may
    read them, whatever the process's umask."""
    path = tmp_path / "var" / "safeplace.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE kept (id INTEGER)"))
            connection.execute(text("INSERT INTO kept VALUES (1)"))
        files = [path, path.with_name("safeplace.db-wal"), path.with_name("safeplace.db-shm")]
        assert all(file.exists() for file in files)
        assert {file.name: file.stat().st_mode & 0o077 for file in files} == {
            file.name: 0 for file in files
        }
        assert path.parent.stat().st_mode & 0o077 == 0
    finally:
        engine.dispose()


def test_deleted_rows_leave_nothing_readable_in_the_file(tmp_path: Path) -> None:
    """Retention purges special-category data: it must be gone from the file, not only from
    the tables."""
    path = tmp_path / "safeplace.db"
    engine = make_engine(f"sqlite:///{path}")
    marker = "Ztracer-Qv7-purged-value"
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE kept (note TEXT)"))
            connection.execute(text("INSERT INTO kept VALUES ('a long enough row to keep')"))
            connection.execute(text("INSERT INTO kept VALUES (:note)"), {"note": marker})
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM kept WHERE note = :note"), {"note": marker})
    finally:
        engine.dispose()
    # The last connection to close checkpoints the log into the file and removes it.
    assert not path.with_name("safeplace.db-wal").exists()
    assert marker.encode() not in path.read_bytes()
