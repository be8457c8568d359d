"""The login page's device cookies: the device token (:mod:`api.devices`) of each user who logged
in from this browser, so that an attack on the user's name does not keep them out here.

One cookie per user name, so that a desk computer shared by a shift keeps every one of its users'
tokens: ``safeplace_device_`` and 16 hex digits of an HMAC of the user name, keyed from the
service's secret, so neither the name nor the token's value says whose it is. It is sent to the
login form only (``Path=/login``), HttpOnly, SameSite=strict, Secure over TLS, and kept as long as
the token is valid (``SAFEPLACE_DEVICE_DAYS``). Logging out leaves it in place on purpose: it is
what lets the user in again while others fail for the name. A change to the user's access ends it
on the server's side (the login generation), as does the operator's ``safeplace users
end-devices`` (the device generation), and the next login replaces it.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Final

from starlette.requests import Request
from starlette.responses import Response

PREFIX: Final = "safeplace_device_"
PATH: Final = "/login"
_KEY_LABEL: Final = b"safeplace device cookie"


def cookie_name(user_name: str, secret: str) -> str:
    """The name of ``user_name``'s device cookie (case-insensitive, as logins are throttled)."""
    key = hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()
    digest = hmac.new(key, user_name.casefold().encode(), hashlib.sha256).hexdigest()
    return PREFIX + digest[:16]


def read(request: Request, user_name: str, secret: str) -> str | None:
    """The device token this browser keeps for ``user_name``, unchecked (the login checks it)."""
    return request.cookies.get(cookie_name(user_name, secret))


def store(
    response: Response,
    request: Request,
    user_name: str,
    secret: str,
    token: str,
    *,
    lifetime: timedelta,
) -> None:
    """Keep ``token``, issued at ``user_name``'s login just now and valid for ``lifetime``, for
    the user's next login, as long as it is valid."""
    response.set_cookie(
        cookie_name(user_name, secret),
        token,
        max_age=int(lifetime.total_seconds()),
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
