"""The local development Asterisk: comes up with our configs, ARI auth works, it stops clean."""

from __future__ import annotations

import os
import urllib.error
from pathlib import Path

import pytest

from appliance.telephony.local_asterisk import LocalAsterisk

pytest_plugins = ["conftest_asterisk"]

pytestmark = pytest.mark.asterisk


def _asterisk_pids(root: Path) -> list[int]:
    """Asterisk processes whose root directory is our chroot."""
    real = os.path.realpath(root)
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "asterisk":
                continue
            if os.readlink(entry / "root") == real:
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def test_ari_answers_with_generated_password(local_asterisk: LocalAsterisk) -> None:
    info = local_asterisk.ari_get("/ari/asterisk/info")
    assert info["system"]["version"].startswith("22.")
    assert local_asterisk.ari_url == f"http://127.0.0.1:{os.environ.get('ARI_PORT', '8088')}"
    assert local_asterisk.app == "appliance"
    assert len(local_asterisk.ari_password) >= 32
    pw_file = local_asterisk.state_dir / "ari-password"
    assert pw_file.stat().st_mode & 0o777 == 0o600


def test_ari_rejects_wrong_password(local_asterisk: LocalAsterisk) -> None:
    with pytest.raises(urllib.error.HTTPError) as err:
        local_asterisk.ari_get("/ari/asterisk/info", password="wrong")
    assert err.value.code == 401


def test_ari_lists_channels_and_bridges(local_asterisk: LocalAsterisk) -> None:
    assert isinstance(local_asterisk.ari_get("/ari/channels"), list)
    assert isinstance(local_asterisk.ari_get("/ari/bridges"), list)


def test_pjsip_trunk_on_loopback(local_asterisk: LocalAsterisk) -> None:
    endpoints = local_asterisk.cli("pjsip show endpoints")
    assert "trunk" in endpoints
    assert f"{local_asterisk.sip_host}:{local_asterisk.sip_port}" in endpoints
    assert "Match: 127.0.0.1/32" in endpoints


def test_dialplan_routes_to_stasis(local_asterisk: LocalAsterisk) -> None:
    dialplan = local_asterisk.cli("dialplan show from-trunk")
    assert "Stasis(appliance)" in dialplan
    operator = local_asterisk.cli("dialplan show 100@appliance-operator")
    assert "UserEvent(OperatorReached" in operator


def test_up_is_idempotent(local_asterisk: LocalAsterisk) -> None:
    password = local_asterisk.ari_password
    local_asterisk.up()
    assert local_asterisk.is_up()
    assert local_asterisk.ari_password == password


def test_down_leaves_no_process(local_asterisk: LocalAsterisk) -> None:
    # Runs last in this module; brings Asterisk back up for whatever runs after.
    others = local_asterisk.other_users()
    if others:
        pytest.skip(f"other test sessions {others} are using the local Asterisk")
    assert _asterisk_pids(local_asterisk.root_dir)
    local_asterisk.down()
    try:
        assert not local_asterisk.is_up()
        assert _asterisk_pids(local_asterisk.root_dir) == []
    finally:
        local_asterisk.up()
    assert local_asterisk.is_up()
