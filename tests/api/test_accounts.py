"""The rules a new password must meet (``api.accounts.check_password``)."""

from __future__ import annotations

import pytest

from api.accounts import AccountError, check_password


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("too short", "at least 12 characters"),
        ("aaaaaaaaaaaa", "different characters"),
        ("abcabcabcabc", "different characters"),
        ("12341234123412341234", "different characters"),
        ("ab" * 20, "different characters"),
        ("jan.de.vries", "not the user name"),
        ("Jan.De.Vries ", "not the user name"),
    ],
)
def test_a_password_an_attacker_would_try_first_is_refused(password: str, reason: str) -> None:
    with pytest.raises(AccountError, match=reason):
        check_password(password, name="jan.de.vries")


@pytest.mark.parametrize(
    "password", ["correct horse battery staple", "abcdeabcdeab", "jan.de.vries!"]
)
def test_a_password_meeting_the_rules_is_taken(password: str) -> None:
    check_password(password, name="jan.de.vries")
