"""Logging that cannot leak personal data, whatever level an operator turns on.

SQLAlchemy's engine logger writes every statement's parameters and, at DEBUG, every row it reads:
the referrals themselves. Turning on DEBUG to chase a problem must not copy special-category data
into log files, so that one logger is switched off for good; the service's own loggers carry route
templates, request ids and counts only.
"""

from __future__ import annotations

import logging
import traceback

# Loggers that would write field values (statement parameters, result rows).
LEAKY = ("sqlalchemy.engine.Engine",)


def protect() -> None:
    """Disable the loggers in :data:`LEAKY` (``Logger.disabled`` ignores any level set later)."""
    for name in LEAKY:
        logging.getLogger(name).disabled = True


def fault_site(exc: BaseException) -> str:
    """An exception as a log line may name it: its type and the line it came from, never its
    message, which can quote input (a validation error repeats the values it rejected)."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "unknown"
    return f"{type(exc).__name__} at {where}"
