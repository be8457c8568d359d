"""Background scenario runs in the database: any worker answers for any run, none runs for ever."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from api import scenario_runner
from api.db.session import Database
from api.scenario_files import load_scenario
from api.scenario_runner import ORPHANED, RunRegistry, ScenarioRun
from tests.api.rows import add_scenario_run
from tests.api.test_scenario_cli import write_tiny


def wait_until_finished(
    database: Database, registry: RunRegistry, run_id: str, seen: set[str]
) -> ScenarioRun:
    """Poll ``registry`` for the run until it is done or failed; every state seen goes to
    ``seen``."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with database.session() as session:
            run = registry.get(session, run_id)
        assert run is not None
        seen.add(run.state)
        if run.state in ("done", "failed"):
            return run
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} did not finish")


def test_another_worker_follows_a_run_to_its_result(database: Database, tmp_path: Path) -> None:
    """Two registries on one database are two worker processes of one service."""
    accepting, other = RunRegistry(database, workers=1), RunRegistry(database, workers=1)
    with database.session() as session:
        started = accepting.start(
            session, load_scenario(write_tiny(tmp_path)), replications=2, compare=True
        )
    assert started.state == "queued"
    seen: set[str] = set()
    finished = wait_until_finished(database, other, started.id, seen)
    assert finished.state == "done", finished.error
    assert finished.replications == 2
    assert finished.done == finished.total >= 2  # with the greedy comparison: two per replication
    assert finished.result is not None
    assert finished.result.scenario == started.scenario
    assert len(finished.result.per_replication) == 2
    with database.session() as session:
        listed = other.recent(session, 10)
    assert [run.id for run in listed] == [started.id]
    assert listed[0].result is None  # the list leaves results out
    assert seen <= {"queued", "running", "done"}


def test_a_run_starts_only_when_its_transaction_commits(database: Database, tmp_path: Path) -> None:
    registry = RunRegistry(database, workers=1)
    loaded = load_scenario(write_tiny(tmp_path))
    with database.session() as session:
        kept = registry.start(session, loaded, replications=1, compare=False)
    dropped: list[str] = []

    def fail_after_storing() -> None:
        with database.session() as session:
            dropped.append(registry.start(session, loaded, replications=1, compare=False).id)
            raise RuntimeError("the request failed after storing the run")

    with pytest.raises(RuntimeError):
        fail_after_storing()
    finished = wait_until_finished(database, registry, kept.id, set())
    assert finished.state == "done"
    # One replication as asked, not the file's two.
    assert finished.result is not None
    assert loaded.scenario.replications == 2
    assert (finished.replications, finished.result.replications) == (1, 1)
    with database.session() as session:
        assert registry.get(session, dropped[0]) is None
        assert [run.id for run in registry.recent(session, 10)] == [kept.id]


def test_a_run_whose_process_is_gone_reads_as_failed(database: Database) -> None:
    long_ago = datetime.now(UTC) - timedelta(seconds=scenario_runner.ORPHAN_SECONDS + 1)
    with database.session() as session:
        for run_id, state in (("a" * 32, "running"), ("b" * 32, "queued"), ("c" * 32, "done")):
            add_scenario_run(session, run_id, state, long_ago)
    registry = RunRegistry(database)
    with database.session() as session:
        states = {run.id[0]: (run.state, run.error) for run in registry.recent(session, 10)}
        orphan = registry.get(session, "a" * 32)
        unknown = registry.get(session, "unknown")
    assert states == {"a": ("failed", ORPHANED), "b": ("failed", ORPHANED), "c": ("done", None)}
    assert orphan is not None
    assert (orphan.state, orphan.error) == ("failed", ORPHANED)
    assert unknown is None


def test_the_heartbeat_keeps_a_queued_run_alive(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run queued behind a longer one writes nothing of its own for longer than the orphan limit;
    only the heartbeat shows that its process is alive, so it must never read as orphaned."""
    # The service's two (20 s and 120 s), scaled down, with almost three seconds of slack for a
    # heartbeat delayed on a busy machine: with the tests in two processes on two cores, a
    # second was once not enough.
    monkeypatch.setattr(scenario_runner, "HEARTBEAT_SECONDS", 0.2)
    monkeypatch.setattr(scenario_runner, "ORPHAN_SECONDS", 3.0)
    # The run ahead holds the one run at a time until the test lets it go, however fast the
    # machine: a long scenario would have to be long enough on the fastest machine, and so took
    # 17 s on a slow one.
    release = threading.Event()
    run_local = scenario_runner.run_local

    def held_first(*args: Any, **kwargs: Any) -> Any:
        if not release.is_set():
            assert release.wait(timeout=120)
        return run_local(*args, **kwargs)

    monkeypatch.setattr(scenario_runner, "run_local", held_first)
    # A run of a process that stopped before this one began: no heartbeat here revives it.
    gone = datetime.now(UTC) - timedelta(seconds=scenario_runner.ORPHAN_SECONDS + 1)
    with database.session() as session:
        add_scenario_run(session, "e" * 32, "running", gone)
    registry = RunRegistry(database, workers=1)
    loaded = load_scenario(write_tiny(tmp_path))
    with database.session() as session:
        ahead = registry.start(session, loaded, replications=1, compare=False)
        queued = registry.start(session, loaded, replications=1, compare=False)
    seen: set[str] = set()
    # Past the limit, and a heartbeat's slack more, with nothing of the queued run's own written.
    until = time.monotonic() + scenario_runner.ORPHAN_SECONDS + 1.5
    while time.monotonic() < until:
        with database.session() as session:
            run = registry.get(session, queued.id)
            orphan = registry.get(session, "e" * 32)
        assert run is not None
        assert orphan is not None
        seen.add(run.state)
        assert orphan.state == "failed"
        time.sleep(0.05)
    assert seen == {"queued"}
    release.set()
    finished = wait_until_finished(database, registry, queued.id, seen)
    assert finished.state == "done", finished.error
    assert "failed" not in seen
    first = wait_until_finished(database, registry, ahead.id, set())
    assert first.state == "done", first.error


def test_a_run_keeps_its_scenario_s_name_in_other_languages(
    database: Database, tmp_path: Path
) -> None:
    """Its row holds them from the start, so a run shows in the reader's language before it has
    a result; the API's status keeps the scenario's own name."""
    path = write_tiny(tmp_path)
    translated = "name: Tiny\ndescription: A tiny one.\ntranslations:\n"
    translated += "  nl: {name: Klein, description: Een kleintje.}\n"
    path.write_text(path.read_text().replace("name: Tiny\n", translated))
    registry = RunRegistry(database, workers=1)
    with database.session() as session:
        started = registry.start(session, load_scenario(path), replications=1, compare=False)
    with database.session() as session:
        stored = RunRegistry(database).recent(session, 10)[0]
    assert stored.titles("nl") == ("Klein", "Een kleintje.")
    assert stored.titles("en") == ("Tiny", "A tiny one.")
    assert stored.status()["scenario"] == "Tiny"
    finished = wait_until_finished(database, registry, started.id, set())
    assert finished.result is not None
    assert finished.result.titles("nl") == ("Klein", "Een kleintje.")


def test_a_run_stored_before_translations_were_kept_shows_its_own_name(
    database: Database,
) -> None:
    with database.session() as session:
        add_scenario_run(session, "d" * 32, "done", datetime.now(UTC))
    with database.session() as session:
        run = RunRegistry(database).get(session, "d" * 32)
    assert run is not None
    assert (run.description, run.translations) == ("", {})
    assert run.titles("nl") == ("tiny", "")


def test_a_failed_run_is_logged_by_its_fault_never_by_its_message(
    database: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A live run's failure could quote the stored network; the log names the fault's type and
    line only, the run keeps the failure for its planner."""

    def failing(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("shelter S001 at 52.0907,5.1214")

    monkeypatch.setattr(scenario_runner, "run_local", failing)
    registry = RunRegistry(database, workers=1)
    with caplog.at_level("DEBUG", logger="api.scenario_runner"), database.session() as session:
        started = registry.start(
            session, load_scenario(write_tiny(tmp_path)), replications=1, compare=False
        )
    finished = wait_until_finished(database, registry, started.id, set())
    assert finished.state == "failed"
    assert finished.error == "ValueError: shelter S001 at 52.0907,5.1214"
    logged = [record for record in caplog.records if record.name == "api.scenario_runner"]
    raised_at = f"{__file__}:{failing.__code__.co_firstlineno + 1}"
    assert [record.getMessage() for record in logged] == [
        f"scenario run {started.id} failed: ValueError at {raised_at}"
    ]
    assert all(record.exc_info is None for record in logged)


def test_the_newest_runs_are_listed_first_and_no_more_than_asked(database: Database) -> None:
    now = datetime.now(UTC)
    with database.session() as session:
        for minutes, run_id in ((2, "b" * 32), (0, "c" * 32), (1, "a" * 32)):
            add_scenario_run(session, run_id, "done", now - timedelta(minutes=minutes))
    with database.session() as session:
        listed = [run.id[0] for run in RunRegistry(database).recent(session, 2)]
    assert listed == ["c", "a"]


def test_a_seed_given_replaces_the_scenario_s(tmp_path: Path) -> None:
    """``safeplace scenario run --seed``: the run is on the seed asked for, not the file's."""
    loaded = load_scenario(write_tiny(tmp_path))
    assert loaded.scenario.seed == 4
    result = scenario_runner.run_local(loaded, replications=1, seed=99, workers=1, compare=False)
    assert result.seed == 99
