"""Pages from Jinja2 templates, in the reader's language, with the headers every page needs.

One template environment per language, each with its gettext catalogue installed, so a template
says ``_("Waiting list")`` and the reader sees it in Dutch or English. Every page renews the
session cookie (or starts an anonymous one for the login form's CSRF token), so an active desk is
never logged out in the middle of a shift, and carries headers that keep case ids and pages where
they belong: no caching, no referrer, no framing, and a content security policy that lets the
browser load only what this service serves.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Final

from babel.dates import format_datetime
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from api.web import session as web_session
from api.web.i18n import LANGUAGES, N_, Language, language_of, translations
from api.web.labels import LABELS
from api.web.languages import name_of
from api.web.session import SessionCodec, WebSession
from engine.intake import AMSTERDAM

TEMPLATES: Final = Path(__file__).with_name("templates")
STATIC_PREFIX: Final = "/static/"
# Pages load only what this service serves; scripts and styles only from files, never inline.
PAGE_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)

_DAYS_HOURS = N_("%(days)d d %(hours)d h")
_HOURS_MINUTES = N_("%(hours)d h %(minutes)02d min")
_MINUTES = N_("%(minutes)d min")


@dataclass(frozen=True)
class Viewer:
    """Who is looking at a page: shown in the header, and deciding the navigation."""

    name: str
    role: str


# The pages of each role, in the order of the navigation.
NAVIGATION: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "desk": (
        ("/desk", N_("Waiting list")),
        ("/desk/referrals/new", N_("New referral")),
        ("/desk/plan", N_("National plan")),
        ("/capacity", N_("Capacity")),
    ),
    "shelter": (("/shelter", N_("My shelter")),),
    "planner": (("/planner", N_("Scenarios")), ("/capacity", N_("Capacity"))),
    "auditor": (("/audit", N_("Audit trail")),),
    "admin": (("/admin/shelters", N_("Shelters")), ("/capacity", N_("Capacity"))),
}


def static(path: str) -> str:
    """The URL of a file under ``static/`` (always a path on this service)."""
    return STATIC_PREFIX + path


def secure(response: Response, policy: str = PAGE_POLICY) -> Response:
    """Add the headers every page and page redirect carries."""
    response.headers["Content-Security-Policy"] = policy
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    return response


class Pages:
    """Renders templates in the reader's language and keeps their session cookie alive."""

    def __init__(self, codec: SessionCodec) -> None:
        self.codec = codec
        self._catalogues = {language: translations(language) for language in LANGUAGES}
        self._environments = {language: shared_environment(language) for language in LANGUAGES}

    def text(self, request: Request, message: str) -> str:
        """``message`` translated into the reader's language (for text made outside templates)."""
        return self._catalogues[language_of(request)].gettext(message)

    def render(
        self,
        request: Request,
        template: str,
        context: dict[str, Any],
        status: int = 200,
        *,
        renew: bool = True,
    ) -> HTMLResponse:
        """The page ``template`` for this request, with its session cookie renewed unless
        ``renew`` is false: a part of a page that refreshes itself must not keep an unattended
        screen logged in."""
        now = datetime.now(UTC)
        current = session_of(request, self.codec) or WebSession.anonymous(now)
        viewer: Viewer | None = getattr(request.state, "viewer", None)
        language = language_of(request)
        html = (
            self._environments[language]
            .get_template(template)
            .render(
                request=request,
                lang=language,
                viewer=viewer,
                navigation=NAVIGATION.get(viewer.role, ()) if viewer else (),
                here=request.url.path,
                csrf=self.codec.csrf_token(current),
                **context,
            )
        )
        response = HTMLResponse(html, status_code=status)
        if renew:
            web_session.store(response, request, self.codec, current, now)
        secure(response)
        return response


def session_of(request: Request, codec: SessionCodec) -> WebSession | None:
    """The request's session: the one the page's caller check read, else the cookie's."""
    known: WebSession | None = getattr(request.state, "web_session", None)
    return known if known is not None else web_session.read(request, codec)


@cache
def shared_environment(language: Language) -> Environment:
    """The templates of one language, one environment per process: each template is compiled
    once, however many apps the process makes (a test run makes hundreds)."""
    return environment(language, translations(language))


def environment(language: Language, catalogue: gettext.NullTranslations) -> Environment:
    """Templates for one language: its catalogue, and dates and numbers written its way."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Added by the i18n extension at run time, hence unknown to the type checker.
    environment.install_gettext_translations(catalogue, newstyle=True)  # type: ignore[attr-defined]
    environment.globals["static"] = static
    environment.globals["label"] = lambda kind, code: label(kind, code, catalogue)
    environment.globals["codes"] = lambda kind: tuple(LABELS[kind])
    environment.filters["when"] = lambda moment: _when(moment, language)
    environment.filters["clock"] = lambda moment: _clock(moment, language)
    environment.filters["day"] = lambda moment: _day(moment, language)
    environment.filters["duration"] = lambda span: _duration(span, catalogue)
    environment.filters["number"] = lambda value, digits=0: number(value, digits, language)
    environment.filters["signed"] = lambda value: signed(value, language)
    environment.filters["languages"] = lambda codes: ", ".join(
        name_of(code, language) for code in codes
    )
    return environment


def label(kind: str, code: object, catalogue: gettext.NullTranslations) -> str:
    """The translated words for ``code``; a code without words is shown as it is."""
    words = LABELS[kind].get(code)
    return str(code) if words is None else catalogue.gettext(words)


def _when(moment: datetime, language: Language) -> str:
    """Day and time in Amsterdam, e.g. ``ma 30 nov. 10:00``."""
    return format_datetime(moment, "EEE d MMM HH:mm", tzinfo=AMSTERDAM, locale=language)


def _day(moment: datetime, language: Language) -> str:
    """The day in Amsterdam with its year, e.g. ``30 november 2026``: for moments that may lie
    years back (where the audit trail begins)."""
    return format_datetime(moment, "d MMMM y", tzinfo=AMSTERDAM, locale=language)


def _clock(moment: datetime, language: Language) -> str:
    """Time of day in Amsterdam, e.g. ``10:00``."""
    return format_datetime(moment, "HH:mm", tzinfo=AMSTERDAM, locale=language)


def _duration(span: timedelta, catalogue: gettext.NullTranslations) -> str:
    """A waiting time as people say it: ``2 d 3 h``, ``1 h 05 min``, ``12 min``."""
    minutes = max(0, int(span.total_seconds() // 60))
    days, hours, rest = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return catalogue.gettext(_DAYS_HOURS) % {"days": days, "hours": hours}
    if hours:
        return catalogue.gettext(_HOURS_MINUTES) % {"hours": hours, "minutes": rest}
    return catalogue.gettext(_MINUTES) % {"minutes": rest}


def number(value: float, digits: int, language: Language) -> str:
    """A number in the reader's notation (``12,5`` in Dutch)."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=language)


def signed(value: float, language: Language) -> str:
    """A difference with its sign, one decimal (``+1,5``, ``-0,3``)."""
    return format_decimal(value, format="+#,##0.0;-#,##0.0", locale=language)
