"""pytest plugin: a session-wide local Asterisk (see appliance/telephony/local_asterisk.py).

Enable it from tests/conftest.py with ``pytest_plugins = ["conftest_asterisk"]``.
The fixture starts Asterisk once per test session (building the root first when it is
missing) and stops it at the end unless another test session still uses it; tests
that cannot run it are skipped with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from appliance.telephony.local_asterisk import LocalAsterisk


@pytest.fixture(scope="session")
def local_asterisk() -> Iterator[LocalAsterisk]:
    ok, reason = LocalAsterisk.available()
    if not ok:
        pytest.skip(f"local Asterisk unavailable: {reason}")
    asterisk = LocalAsterisk()
    # acquire/release instead of up/down: another pytest session on this machine may
    # be using the same Asterisk; the last one out stops it.
    asterisk.acquire()
    try:
        yield asterisk
    finally:
        asterisk.release()
