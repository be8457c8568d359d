"""``safeplace audit verify`` and ``safeplace retention``: checking the audit trail (its chain,
its purges, and the triggers that keep it append-only), and deleting what is past its retention
period (closed referrals, old audit rows, scenario runs).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from api import audit, audit_verify, retention
from api import cli_console as console
from api.audit_purge import Purge
from api.cli_console import EXIT_BROKEN, EXIT_INVALID
from api.db import triggers

# What ``audit verify`` says of triggers that are as the migrations made them.
_GUARDED = "database triggers as the migrations make them (the trail is append-only)"


def verify_audit(
    kept: Annotated[
        str | None,
        typer.Option(
            help="A row and its hash kept outside the database, as printed before "
            "(SEQ:HASH, e.g. 1234:9f86...): checks the trail still holds that row unchanged, "
            "or that retention purged it."
        ),
    ] = None,
) -> None:
    """Check the audit trail's hash chain, its purges and its guards; name what broke (exit 1).

    The guards are the database's triggers that keep the trail append-only: they must be those
    the migrations make. Names the first broken row and each changed trigger."""
    expected = console.kept_row(kept) if kept is not None else None
    settings = console.read_settings()
    database = console.open_database(settings)
    with database.session() as session:
        broken = audit_verify.verify(session, now=datetime.now(UTC), min_days=settings.audit_days())
        last = audit.newest(session)
        begun = audit_verify.beginning(session)
        state = audit_verify.kept_state(session, *expected) if expected else None
        removed_by = (
            audit_verify.remover(session, expected[0])
            if expected is not None and state == "purged"
            else None
        )
    # Checked even when the chain is broken: a changed guard is how a row could be changed.
    try:
        changed = triggers.check(database)
    except triggers.Unchecked as error:
        typer.echo(f"cannot check the database triggers: {error}", err=True)
        raise typer.Exit(EXIT_BROKEN) from None
    problems = [f"database triggers changed: {line}" for line in changed]
    if broken is not None:
        problems.insert(0, f"audit trail broken at row {broken.seq}: {broken.why}")
    elif expected is not None and state in ("missing", "differs"):
        seq = expected[0]
        problems.insert(
            0,
            f"audit trail shortened: row {seq} is gone"
            if state == "missing"
            else f"audit trail rewritten: row {seq} no longer has the hash kept for it",
        )
    if problems:
        for problem in problems:
            typer.echo(problem, err=True)
        raise typer.Exit(EXIT_BROKEN)
    if last is None:
        typer.echo("audit trail intact (empty)")
        typer.echo(_GUARDED)
        return
    # The chain cannot show its newest rows removed, nor a rewrite of every hash after a change:
    # a copy of the newest hash kept outside the database can (``--kept``).
    typer.echo(
        f"audit trail intact; newest row {last[0]}, hash {last[1]} "
        f"(keep it; to check later: --kept {last[0]}:{last[1]})"
    )
    typer.echo(_GUARDED)
    if begun is not None and begun.purge is not None:
        typer.echo(_beginning(begun.seq, begun.at, begun.purge))
    if expected is not None and removed_by is not None:
        typer.echo(
            f"row {expected[0]} was purged on {console.day(removed_by.at)}, with the rows up to "
            f"{removed_by.through}, older than {console.day(removed_by.cutoff)} "
            f"(a retention of {removed_by.days} days)"
        )
    elif expected is not None:
        typer.echo(f"row {expected[0]} still has the hash kept for it")


def _beginning(seq: int, at: datetime, purge: Purge) -> str:
    """Where a purged trail begins, in one line."""
    return (
        f"trail kept from row {seq} ({console.day(at)}); {purge.through} earlier rows "
        f"purged, the last time on {console.day(purge.at)} under a retention of {purge.days} days"
    )


def run_retention(
    days: Annotated[
        int | None,
        typer.Option(min=0, help="Retention period in days (default: SAFEPLACE_RETENTION_DAYS)."),
    ] = None,
) -> None:
    """Delete what is past its retention period: closed referrals, audit rows, scenario runs.

    Referrals after SAFEPLACE_RETENTION_DAYS (or --days), counted into the statistics first;
    the audit trail's oldest rows after SAFEPLACE_AUDIT_RETENTION_DAYS, never while a case
    they may be about is stored; finished scenario runs after SAFEPLACE_SCENARIO_RUN_DAYS."""
    settings = console.read_settings()
    periods = retention.Periods(
        referrals=settings.retention_days if days is None else days,
        audit=settings.audit_days(),
        runs=settings.scenario_run_days,
    )
    if periods.referrals > periods.audit:
        typer.echo(
            f"--days: {periods.referrals} days is longer than the audit trail is kept "
            f"({periods.audit} days, SAFEPLACE_AUDIT_RETENTION_DAYS): the trail must outlive "
            "the referrals it accounts for; nothing purged",
            err=True,
        )
        raise typer.Exit(EXIT_INVALID)
    database = console.open_database(settings)
    with database.session() as session:
        done = retention.run(
            session, now=datetime.now(UTC), periods=periods, actor=console.operator()
        )
        begun = audit_verify.beginning(session)
    typer.echo(
        f"{done.referrals} closed referrals purged (closed more than {periods.referrals} days ago)"
    )
    typer.echo(f"{done.runs} scenario runs purged (ended more than {periods.runs} days ago)")
    if done.trail_broken is not None:
        typer.echo(
            f"audit trail broken at row {done.trail_broken}: no audit row purged, so that the "
            "break can still be found; run audit verify",
            err=True,
        )
        raise typer.Exit(EXIT_BROKEN)
    removed = 0 if done.trail is None else done.trail.removed
    typer.echo(f"{removed} audit rows purged (older than {periods.audit} days)")
    if begun is not None and begun.purge is not None:
        typer.echo(_beginning(begun.seq, begun.at, begun.purge))


def erase_referral(
    referral_id: Annotated[str, typer.Argument(help="The case id of a closed referral.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Do not ask; for scripts that have asked already.")
    ] = False,
) -> None:
    """Delete one closed referral now, as retention would later (it cannot be undone)."""
    settings = console.read_settings()
    if not yes and not console.agreed(
        f"Erase referral {referral_id} with its holds, placements and stays? It cannot be undone"
    ):
        typer.echo("nothing erased", err=True)
        raise typer.Exit(EXIT_INVALID)
    database = console.open_database(settings)
    try:
        with database.session() as session:
            retention.erase(session, referral_id, now=datetime.now(UTC), actor=console.operator())
    except retention.NotErasable as refused:
        typer.echo(f"nothing erased: {refused}", err=True)
        raise typer.Exit(EXIT_INVALID) from None
    typer.echo(f"referral {referral_id} erased; counted in the statistics, the audit trail kept")
