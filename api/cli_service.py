"""``safeplace serve`` and the service's other commands: ``users`` (:mod:`api.cli_users`),
``audit verify`` and ``retention`` (:mod:`api.cli_trail`), ``backup``, ``backup-key`` and
``restore`` (:mod:`api.cli_backups`), all registered here.

These commands work on the database named by ``SAFEPLACE_DATABASE_URL`` (default: the embedded
SQLite file under ``var/``), migrating it first like the server does (:mod:`api.cli_console`).
"""

from __future__ import annotations

import copy
import socket
from typing import Annotated, Any

import typer
import uvicorn
from uvicorn.config import LOGGING_CONFIG
from uvicorn.supervisors import Multiprocess

from api import cli_backups, cli_trail, cli_users
from api import cli_console as console
from api.db.session import Database
from api.main import MAX_CONCURRENT_REQUESTS
from api.observe import shared_across_workers

# How long a worker may take to answer uvicorn's supervisor before it is killed as hung and
# replaced. uvicorn's 5 s is shorter than a worker's start (a new interpreter importing
# OR-Tools, numpy and the app) on a busy machine: there every worker was killed before it
# answered, and replaced by one that was killed too, so the service never came up.
WORKER_HEALTHCHECK_SECONDS = 60


def register(app: typer.Typer) -> None:
    """Add the service's commands to the ``safeplace`` command line."""
    app.command("serve")(serve)
    users = typer.Typer(help="Manage the users of the service.", no_args_is_help=True)
    users.command("add")(cli_users.add_user)
    users.command("deactivate")(cli_users.deactivate_user)
    users.command("activate")(cli_users.activate_user)
    users.command("set-role")(cli_users.set_user_role)
    users.command("set-password")(cli_users.set_user_password)
    users.command("end-devices")(cli_users.end_user_devices)
    app.add_typer(users, name="users")
    trail = typer.Typer(help="Check the audit trail.", no_args_is_help=True)
    trail.command("verify")(cli_trail.verify_audit)
    app.add_typer(trail, name="audit")
    purge = typer.Typer(
        help="Delete closed referrals, old audit rows and scenario runs after their retention "
        "periods, or one closed referral now.",
        no_args_is_help=True,
    )
    purge.command("run")(cli_trail.run_retention)
    purge.command("erase")(cli_trail.erase_referral)
    app.add_typer(purge, name="retention")
    app.command("backup")(cli_backups.make_backup)
    app.command("backup-key")(cli_backups.make_backup_key)
    app.command("restore")(cli_backups.restore_backup)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(
            help="The reverse proxy's addresses (comma-separated), whose X-Forwarded-For and "
            "X-Forwarded-Proto are believed: the login limit then counts the real client, and "
            "cookies are Secure behind TLS."
        ),
    ] = "127.0.0.1",
) -> None:
    """Run the HTTP service (open /docs in a browser to try it)."""
    # Settings and database are checked here, once, so that a mistake is one clear line and not
    # a traceback from every worker. Only a connection is tried: migrating and seeding stay with
    # the workers, whose logging uvicorn sets up (this process's logging is left alone).
    settings = console.read_settings()
    with console.opening(settings):
        database = Database.for_url(settings.database_url)
        try:
            with database.engine.connect():
                pass
        finally:
            database.dispose()
    config = NoDelayConfig(
        "api.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config(),
        limit_concurrency=MAX_CONCURRENT_REQUESTS,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        # The service logs each request itself, by route template; uvicorn's access log would
        # write raw paths with case ids and query strings.
        access_log=False,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )
    if workers > 1:
        with shared_across_workers(settings.var_dir):
            Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(config).run()


class NoDelayConfig(uvicorn.Config):
    """uvicorn's configuration, with Nagle's algorithm off for connections to several workers.

    With one worker the event loop opens the socket and switches Nagle off itself; for several
    workers uvicorn binds the socket, and the connections accepted from it keep Nagle on. A
    response then waits for the client's delayed acknowledgement, about 40 ms, between its head
    and its body. Accepted connections inherit ``TCP_NODELAY`` from the listening socket.
    """

    def bind_socket(self) -> socket.socket:
        """The listening socket, with ``TCP_NODELAY`` for what it accepts."""
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock


def log_config() -> dict[str, Any]:
    """uvicorn's logging set-up, with the service's own loggers (``api.*``) written the same way."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["api"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


# The role options of ``users add`` and ``users set-role``.
