"""The rules a new password must meet (``api.accounts.check_password``)."""

from __future__ import annotations

import itertools

import pytest

from api.accounts import AccountError, check_password

# The rules as README.md states them, not as the code's constants say.
LENGTH, DIFFERENT = 12, 5


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


@pytest.mark.parametrize(
    ("length", "different"),
    list(itertools.product(range(LENGTH - 2, LENGTH + 3), range(DIFFERENT - 2, DIFFERENT + 3))),
)
def test_the_rules_hold_exactly_at_their_bounds(length: int, different: int) -> None:
    """Around both bounds: 12 characters are enough and 11 are not, whatever their variety; 5
    different characters are enough and 4 are not, whatever the length."""
    alphabet = "qwertyuiop"[:different]
    password = (alphabet * length)[:length]
    assert len(password) == length
    assert len(set(password)) == min(different, length)
    if length < LENGTH:
        with pytest.raises(AccountError, match="at least 12 characters"):
            check_password(password, name="jan.de.vries")
    elif different < DIFFERENT:
        with pytest.raises(AccountError, match="different characters"):
            check_password(password, name="jan.de.vries")
    else:
        check_password(password, name="jan.de.vries")
