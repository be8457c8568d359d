"""Password hashing in the tests: the service's cost, kept aside, and the cheapest argon2id.

The service hashes with pwdlib's argon2id defaults (64 MiB, 3 passes, 4 lanes): about 0.18 s a
hash or check on a slow 2-core machine, by design. The tests hash and check hundreds of
passwords (users added through the command line, wrong passwords, unknown names against the dummy
hash): three test files spent 45 s of their 197 in it there. ``tests/conftest.py`` has the
service hash at the lowest cost argon2 allows in every test process instead: the same code path
(argon2id through pwdlib, the dummy hash for unknown names), cheaper parameters. Servers started
in processes of their own keep the service's cost, and ``test_auth`` holds that cost to account
with :data:`SERVICE_HASHER`.
"""

from __future__ import annotations

from typing import Final

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from api import auth

# What the service uses, taken before any test replaces it.
SERVICE_HASHER: Final = auth._HASHER
SERVICE_DUMMY_HASH: Final = auth._DUMMY_HASH
CHEAP_HASHER: Final = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1),))
