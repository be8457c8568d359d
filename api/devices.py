"""Device tokens: a client where a user logged in before is let through an attack on the name.

The login throttle (:mod:`api.ratelimit`) caps the failures for a user name from all clients
together, so whoever keeps failing for a name from a few addresses keeps its user out. A device
token ("device cookie", as OWASP calls the remedy) is what a client gets after each successful
login, bound to the user name: an attempt that presents a valid one for the name it tries is
counted in a bucket of that token's own, with the per-client limit, and is not held up by the
name's cap. So the user gets in from a browser or program they used before, while a stolen token
gives no more guesses than one client has, and an attacker without one is limited as before.

A token is ``nonce.expires.mac``: 16 random bytes (base64url), its expiry in Unix seconds, and an
HMAC-SHA256 (base64url), keyed from the service's secret, of the nonce and expiry together with
the user name (case-insensitive, as the throttle counts names) and the user's two generations.
Nothing in it names the user; the nonce is the device's identity, for the throttle's bucket. The
login generation (:mod:`api.accounts`) counts up on every change to the user's access
(deactivated, activated, another role, a new password), so such a change ends every device token
issued before, as it ends tokens and web sessions: a stolen one is worth nothing after a password
change. The device generation counts up when the server's operator ends the user's device tokens
alone (``safeplace users end-devices``: a desk computer lost or stolen), leaving the password and
the sessions as they are. Nothing is stored: a token is valid by its MAC until it expires or
either generation moves. The expiry is written into the token when it is issued, from the
service's setting then (``SAFEPLACE_DEVICE_DAYS``): a shorter setting applies to tokens issued
after the change.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from typing import Final

# Longer than any token this module issues (22 + 1 + up to 12 digits + 1 + 43 characters).
MAX_LENGTH: Final = 128
_KEY_LABEL: Final = b"safeplace device token"
_TOKEN = re.compile(r"([A-Za-z0-9_-]{22})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})")


def issue(
    user_name: str,
    generation: int,
    *,
    device_generation: int,
    secret: str,
    now: float,
    lifetime: timedelta,
) -> str:
    """A new device token for ``user_name`` at login ``generation`` and ``device_generation``,
    valid for ``lifetime`` from ``now`` (Unix seconds)."""
    nonce = _encode(secrets.token_bytes(16))
    expires = str(int(now + lifetime.total_seconds()))
    mac = _mac(secret, user_name, _generations(generation, device_generation), nonce, expires)
    return f"{nonce}.{expires}.{mac}"


def device_of(
    token: str,
    user_name: str,
    generation: int,
    *,
    device_generation: int,
    secret: str,
    now: float,
) -> str | None:
    """The device (the token's nonce) when ``token`` is valid for ``user_name`` at login
    ``generation`` and ``device_generation`` and has not expired at ``now``; None for anything
    else: malformed, forged, tampered with, another user's, of an earlier generation of either
    kind, or expired."""
    parsed = _TOKEN.fullmatch(token)
    if parsed is None:
        return None
    nonce, expires, mac = parsed.group(1), parsed.group(2), parsed.group(3)
    generations = _generations(generation, device_generation)
    expected = _mac(secret, user_name, generations, nonce, expires)
    if not hmac.compare_digest(mac, expected) or now >= int(expires):
        return None
    return nonce


def _generations(generation: int, device_generation: int) -> str:
    """The user's generations as the MAC covers them: the login generation alone while no device
    tokens were ended (so the tokens issued before device generations existed stay valid), else
    both, with a ``.`` between that no login generation's digits contain."""
    if device_generation == 0:
        return str(generation)
    return f"{generation}.{device_generation}"


def _mac(secret: str, user_name: str, generations: str, nonce: str, expires: str) -> str:
    """The MAC of a token's text as issued: written another way (``0`` before the expiry's
    digits) it is another text, and no token."""
    key = hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()
    message = f"{user_name.casefold()}\0{generations}\0{nonce}\0{expires}".encode()
    return _encode(hmac.new(key, message, hashlib.sha256).digest())


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
