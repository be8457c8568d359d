"""Service settings, read from the environment (``SAFEPLACE_*``) so deployments configure nothing
in code. The defaults run the embedded SQLite database under ``./var/``.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from functools import cache
from pathlib import Path

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from api import sealing

# The databases the service is built and tested for (``postgresql`` means psycopg 3).
DATABASE_DRIVERS = frozenset({"sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg"})
DATABASE_FORMS = "use sqlite:///PATH or postgresql://USER@HOST/DATABASE"
# A signing secret shorter than this is refused: HS256 wants a key of at least 256 bits.
MIN_SECRET_LENGTH = 32
# The longest ``SAFEPLACE_DEVICE_DAYS`` accepted.
MAX_DEVICE_DAYS = 365
# The longest a retention period may be: a century. The purges count back from today, and a
# period of millions of days reaches before the calendar's first date.
MAX_DAYS = 36_500
# How much longer than the referrals the audit trail is kept when no period is set for it: a year
# in which whoever asks who read a case after it was purged still gets an answer.
AUDIT_MARGIN_DAYS = 365


class Settings(BaseSettings):
    """Every knob of the service; see README.md "Settings" for the meaning of each."""

    model_config = SettingsConfigDict(env_prefix="SAFEPLACE_", extra="ignore")

    database_url: str = "sqlite:///var/safeplace.db"
    # Secret for signing access tokens. Without one, a random secret is kept in var/ (mode 0600),
    # so tokens survive a restart of a single-host installation.
    jwt_secret: str | None = None
    token_minutes: int = Field(default=30, ge=1, le=24 * 60)
    hold_minutes: int = Field(default=90, ge=1, le=7 * 24 * 60)
    # How far ahead a hold may be asked to last (``until``): a desk at night or at the weekend
    # holds for the next office-hours intake, from Friday evening that is Monday morning.
    hold_max_hours: int = Field(default=72, ge=1, le=7 * 24)
    retention_days: int = Field(default=365, ge=1, le=MAX_DAYS)
    # How long an audit row is kept; unset: ``retention_days`` + ``AUDIT_MARGIN_DAYS``. Never
    # shorter than ``retention_days`` (see :meth:`audit_days`).
    audit_retention_days: int | None = Field(default=None, ge=1, le=MAX_DAYS)
    # How long a finished scenario run (aggregates only) is kept after it ended.
    scenario_run_days: int = Field(default=365, ge=1, le=MAX_DAYS)
    login_attempts_per_minute: int = Field(default=5, ge=1)
    # How long a client is remembered after a successful login (its device token and the login
    # page's device cookie, ``api.devices``). At most a year: browsers keep no cookie longer
    # than about 400 days, and a token should not outlive the computer's time at the desk.
    device_days: int = Field(default=90, ge=1, le=MAX_DEVICE_DAYS)
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    solve_time_limit: float = Field(default=10.0, gt=0.0, le=300.0)
    # Off unless asked for (``make run`` asks): a production database must never fill up with
    # the synthetic shelters, which cannot be deleted, only closed.
    seed_sample_network: bool = False
    # Age public keys (``age1...``, separated by commas or spaces) every ``safeplace backup`` is
    # sealed for; empty: backups are plain SQLite files (see :mod:`api.sealing`).
    backup_recipients: str = ""
    var_dir: Path = Path("var")
    # The shipped scenario files planners may run over the API and the web interface.
    scenarios_dir: Path = Path("scenarios")

    @field_validator("jwt_secret")
    @classmethod
    def _strong_secret(cls, secret: str | None) -> str | None:
        """Refuse a guessable signing secret at start-up: whoever guesses it can sign tokens of
        any role. The message never repeats the secret."""
        if secret is not None and len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"must be at least {MIN_SECRET_LENGTH} characters "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return secret

    @field_validator("var_dir")
    @classmethod
    def _a_folder(cls, path: Path) -> Path:
        """Refuse at start-up a ``var/`` that is some other file, not when the first secret or
        the database goes there, with a message that blamed the database."""
        if path.exists() and not path.is_dir():
            raise ValueError(f"{path} exists and is no folder")
        return path

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, url: str) -> str:
        """Refuse a URL of another database at start-up, not at the first query; the message
        never repeats the URL, which may hold a password."""
        try:
            driver = make_url(url).drivername
        except ArgumentError:
            raise ValueError(f"not a database URL; {DATABASE_FORMS}") from None
        if driver not in DATABASE_DRIVERS:
            raise ValueError(f"unsupported database '{driver}'; {DATABASE_FORMS}")
        return url

    @field_validator("backup_recipients")
    @classmethod
    def _public_keys(cls, keys: str) -> str:
        """Refuse a key that is none at start-up, not at the night's backup."""
        try:
            sealing.recipients(keys)
        except sealing.SealingError as error:
            raise ValueError(str(error)) from None
        return keys

    @field_validator("audit_retention_days")
    @classmethod
    def _trail_outlives_referrals(cls, days: int | None, info: ValidationInfo) -> int | None:
        """Refuse an audit period shorter than the referrals': the trail must still answer who
        read a case once the case itself is gone."""
        referrals = info.data.get("retention_days")
        if days is not None and referrals is not None and days < referrals:
            raise ValueError(
                f"{days} days is shorter than SAFEPLACE_RETENTION_DAYS ({referrals}): the audit "
                "trail must be kept at least as long as the referrals it accounts for"
            )
        return days

    def audit_days(self) -> int:
        """The audit trail's retention period in days, set or derived from the referrals'."""
        if self.audit_retention_days is not None:
            return self.audit_retention_days
        return self.retention_days + AUDIT_MARGIN_DAYS

    def backup_keys(self) -> tuple[str, ...]:
        """The public keys backups are sealed for (none: backups are plain)."""
        return sealing.recipients(self.backup_recipients)

    def device_lifetime(self) -> timedelta:
        """How long a device token, and the cookie that keeps it, are valid from a login."""
        return timedelta(days=self.device_days)

    def signing_secret(self) -> str:
        """The configured secret, or one generated once and kept in ``var_dir``."""
        if self.jwt_secret:
            return self.jwt_secret
        path = self.var_dir / "jwt-secret"
        if not path.exists():
            _create_secret(path)
        return path.read_text(encoding="utf-8").strip()


def _create_secret(path: Path) -> None:
    """Write a new random secret to ``path`` whole, unless another process already has.

    Service workers start together: the secret is written to a file of this process's own and
    then linked to ``path``, which fails if ``path`` exists, so no worker ever reads a file that
    another is still writing (or that a crash left empty), and all of them read the one secret.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(secrets.token_urlsafe(48))
            file.flush()
            os.fsync(file.fileno())
        os.link(draft, path)
    except FileExistsError:
        pass  # another worker's secret is in place: use that one
    finally:
        draft.unlink(missing_ok=True)


@cache
def get_settings() -> Settings:
    """Settings of this process (read once)."""
    return Settings()
