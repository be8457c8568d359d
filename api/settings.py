"""Service settings, read from the environment (``SAFEPLACE_*``) so deployments configure nothing
in code. The defaults run the embedded SQLite database under ``./var/``.
"""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

# The databases the service is built and tested for (``postgresql`` means psycopg 3).
DATABASE_DRIVERS = frozenset({"sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg"})
DATABASE_FORMS = "use sqlite:///PATH or postgresql://USER@HOST/DATABASE"


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
    retention_days: int = Field(default=365, ge=1)
    login_attempts_per_minute: int = Field(default=5, ge=1)
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    solve_time_limit: float = Field(default=10.0, gt=0.0, le=300.0)
    seed_sample_network: bool = True
    var_dir: Path = Path("var")
    # The shipped scenario files planners may run over the API and the web interface.
    scenarios_dir: Path = Path("scenarios")

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

    def signing_secret(self) -> str:
        """The configured secret, or one generated once and kept in ``var_dir``."""
        if self.jwt_secret:
            return self.jwt_secret
        path = self.var_dir / "jwt-secret"
        if not path.exists():
            self.var_dir.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        return path.read_text(encoding="utf-8").strip()


@cache
def get_settings() -> Settings:
    """Settings of this process (read once)."""
    return Settings()
