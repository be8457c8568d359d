"""Settings from the environment: the signing secret, how long a client is remembered."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from api.settings import MAX_DAYS, MAX_DEVICE_DAYS, MIN_SECRET_LENGTH, Settings


def test_workers_starting_together_share_one_whole_secret(tmp_path: Path) -> None:
    """Each worker process makes the secret if it finds none; none may read a half-written one,
    and all must sign with the same."""
    var = tmp_path / "var"
    start = threading.Barrier(8)
    secrets: list[str] = []

    def worker() -> None:
        settings = Settings(var_dir=var)
        start.wait()
        secrets.append(settings.signing_secret())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(secrets) == 8
    assert len(set(secrets)) == 1
    assert len(secrets[0]) >= MIN_SECRET_LENGTH
    assert [file.name for file in var.iterdir()] == ["jwt-secret"]
    assert (var / "jwt-secret").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("secret", ["ZZZ", "Q" * (MIN_SECRET_LENGTH - 1)])
def test_a_short_signing_secret_is_refused(secret: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(jwt_secret=secret)
    (error,) = refused.value.errors()
    assert error["loc"] == ("jwt_secret",)
    assert f"at least {MIN_SECRET_LENGTH} characters" in error["msg"]
    assert secret not in error["msg"]


def test_a_client_is_remembered_for_the_days_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAFEPLACE_DEVICE_DAYS", raising=False)
    assert Settings().device_lifetime() == timedelta(days=90)
    monkeypatch.setenv("SAFEPLACE_DEVICE_DAYS", "14")
    assert Settings().device_lifetime() == timedelta(days=14)


@pytest.mark.parametrize("days", [0, -1, MAX_DEVICE_DAYS + 1])
def test_device_days_out_of_range_are_refused(days: int) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(device_days=days)
    (error,) = refused.value.errors()
    assert error["loc"] == ("device_days",)


def test_the_audit_trail_is_kept_a_year_longer_than_the_referrals_unless_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("SAFEPLACE_RETENTION_DAYS", "SAFEPLACE_AUDIT_RETENTION_DAYS"):
        monkeypatch.delenv(name, raising=False)
    assert Settings().audit_days() == 365 + 365
    monkeypatch.setenv("SAFEPLACE_RETENTION_DAYS", "1000")
    assert Settings().audit_days() == 1000 + 365
    monkeypatch.setenv("SAFEPLACE_AUDIT_RETENTION_DAYS", "1000")
    assert Settings().audit_days() == 1000


@pytest.mark.parametrize(("referrals", "trail"), [(365, 364), (365, 0), (30, -1)])
def test_an_audit_period_shorter_than_the_referrals_is_refused(referrals: int, trail: int) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(retention_days=referrals, audit_retention_days=trail)
    (error,) = refused.value.errors()
    assert error["loc"] == ("audit_retention_days",)


def test_scenario_runs_are_kept_a_year_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAFEPLACE_SCENARIO_RUN_DAYS", raising=False)
    assert Settings().scenario_run_days == 365
    with pytest.raises(ValidationError):
        Settings(scenario_run_days=0)


@pytest.mark.parametrize("name", ["retention_days", "audit_retention_days", "scenario_run_days"])
def test_retention_periods_beyond_a_century_are_refused(name: str) -> None:
    """The purges count back from today: millions of days reach before the calendar's start."""
    assert getattr(Settings.model_validate({name: MAX_DAYS}), name) == MAX_DAYS
    with pytest.raises(ValidationError) as refused:
        Settings.model_validate({name: MAX_DAYS + 1})
    (error,) = refused.value.errors()
    assert error["loc"] == (name,)


def test_a_var_folder_that_is_a_file_is_refused_at_its_setting(tmp_path: Path) -> None:
    """Not at the first secret or database put there, with a message that blamed the database."""
    taken = tmp_path / "var"
    taken.write_text("")
    with pytest.raises(ValidationError) as refused:
        Settings(var_dir=taken)
    (error,) = refused.value.errors()
    assert error["loc"] == ("var_dir",)
    assert error["msg"].endswith("exists and is no folder")
    assert Settings(var_dir=tmp_path / "new").var_dir == tmp_path / "new"
