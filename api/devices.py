"""Device tokens: a client where a user logged in before is let through an attack on the name.

The login throttle (:mod:`api.ratelimit`) caps the failures for a user name from all clients
together, so whoever keeps failing for a name from a few addresses keeps its user out. A device
token ("device cookie", as OWASP calls the remedy) is what a client gets after each successful
login, bound to the user name: an attempt that presents a valid one for the name it tries is
counted in a bucket of that token's own, with the per-client limit, and is not held up by the
name's cap. So the user gets in from a browser or program they used before, while a stolen token
gives no more guesses than one client has, and an attacker without one is limited as before.

A token is ``nonce.issued.mac``: 16 random bytes (base64url), the moment it was issued in Unix
seconds, and an HMAC-SHA256 (base64url), keyed from the service's secret, of the nonce and that
moment together with the user name (case-insensitive, as the throttle counts names) and the user's
two generations. Nothing in it names the user; the nonce is the device's identity, for the
throttle's bucket. The login generation (:mod:`api.accounts`) counts up on every change to the
user's access (deactivated, activated, another role, a new password), so such a change ends every
device token issued before, as it ends tokens and web sessions: a stolen one is worth nothing
after a password change. The device generation counts up when the server's operator ends the
user's device tokens alone (``safeplace users end-devices``: a desk computer lost or stolen),
leaving the password and the sessions as they are. Nothing is stored: a token is valid by its MAC
until it is ``SAFEPLACE_DEVICE_DAYS`` old or either generation moves. Its age is counted from its
issue under the setting of the moment it is presented, so an operator who shortens the setting
ends the older tokens at once, rather than only those of later logins. (Tokens of the first
format carried their expiry instead, under another MAC label; they count as none, and each client
is remembered again from its next login.)
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
# "v2": the MAC covers the moment of issue, where the first format's covered the expiry; with
# another label a token of that format can never pass as issued at its expiry.
_KEY_LABEL: Final = b"safeplace device token v2"
# How far ahead of this host's clock a token's issue may lie: another host of the service, whose
# clock is a little ahead, may have issued it.
CLOCK_SKEW_S: Final = 300
_TOKEN = re.compile(r"([A-Za-z0-9_-]{22})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})")


def issue(
    user_name: str, generation: int, *, device_generation: int, secret: str, now: float
) -> str:
    """A new device token for ``user_name`` at login ``generation`` and ``device_generation``,
    issued at ``now`` (Unix seconds)."""
    nonce = _encode(secrets.token_bytes(16))
    issued = str(int(now))
    mac = _mac(secret, user_name, _generations(generation, device_generation), nonce, issued)
    return f"{nonce}.{issued}.{mac}"


def device_of(
    token: str,
    user_name: str,
    generation: int,
    *,
    device_generation: int,
    secret: str,
    now: float,
    lifetime: timedelta,
) -> str | None:
    """The device (the token's nonce) when ``token`` is valid for ``user_name`` at login
    ``generation`` and ``device_generation`` and younger than ``lifetime`` at ``now``; None for
    anything else: malformed, forged, tampered with, another user's, of an earlier generation of
    either kind, of the first format, too old, or issued later than the clocks' skew allows."""
    parsed = _TOKEN.fullmatch(token)
    if parsed is None:
        return None
    nonce, issued, mac = parsed.group(1), parsed.group(2), parsed.group(3)
    generations = _generations(generation, device_generation)
    expected = _mac(secret, user_name, generations, nonce, issued)
    if not hmac.compare_digest(mac, expected):
        return None
    if not int(issued) - CLOCK_SKEW_S <= now < int(issued) + lifetime.total_seconds():
        return None
    return nonce


def _generations(generation: int, device_generation: int) -> str:
    """The user's generations as the MAC covers them, with a ``.`` between that no
    generation's digits contain."""
    return f"{generation}.{device_generation}"


def _mac(secret: str, user_name: str, generations: str, nonce: str, issued: str) -> str:
    """The MAC of a token's text as issued: written another way (``0`` before the moment's
    digits) it is another text, and no token."""
    key = hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()
    message = f"{user_name.casefold()}\0{generations}\0{nonce}\0{issued}".encode()
    return _encode(hmac.new(key, message, hashlib.sha256).digest())


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
