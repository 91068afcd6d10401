"""The soak's own Asterisk: a second local instance, so killing it disturbs nobody.

The shared development Asterisk (``scripts/asterisk.sh`` with its defaults) serves every
test session on the machine; the soak kills its Asterisk once on purpose, so it runs its
own: a copy of the built root (``<cache>/asterisk-root-soak``: Asterisk keeps its configs,
control socket and astdb inside the root, so two instances cannot share one), its own state
dir, and its own ports (ARI 8098, SIP 5070, RTP 11000-11999 unless ``SOAK_*`` say
otherwise).  ``scripts/asterisk.sh`` already takes all of these from its environment, and
matches "our" Asterisk processes by their root, so its ``down`` never touches the shared one.

One soak at a time per machine: the instance is held with an exclusive lock on a file in its
state dir.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import IO

from appliance.config.errors import ApplianceError
from appliance.telephony.local_asterisk import LocalAsterisk, cache_dir

#: Ports of the soak's instance (the shared one uses 8088, 5060, 10000-10999).
DEFAULT_PORTS = {"ARI_PORT": "8098", "SIP_PORT": "5070", "RTP_START": "11000", "RTP_END": "11999", "TRUNK_PORT": "5090"}


class SoakAsteriskBusy(ApplianceError):
    """Another soak holds the soak's Asterisk."""


class SoakAsterisk:
    """Prepares, starts, kills and stops the soak's private Asterisk."""

    def __init__(self, base: Path | None = None) -> None:
        base = base or cache_dir()
        self.shared_root = Path(os.environ.get("ASTERISK_ROOT", str(base / "asterisk-root")))
        self.root = Path(os.environ.get("SOAK_ASTERISK_ROOT", str(base / "asterisk-root-soak")))
        self.state = Path(os.environ.get("SOAK_ASTERISK_STATE_DIR", str(base / "asterisk-state-soak")))
        env = {k: os.environ.get(f"SOAK_{k}", v) for k, v in DEFAULT_PORTS.items()}
        env.update(ASTERISK_ROOT=str(self.root), ASTERISK_STATE_DIR=str(self.state), APPLIANCE_CACHE_DIR=str(base))
        self.handle = LocalAsterisk(env=env)
        self._lock: IO[str] | None = None

    # -- the root ---------------------------------------------------------------------

    def prepare(self) -> None:
        """A complete root of our own: copied from the shared one (built first if missing)."""
        if (self.root / ".appliance-root-complete").is_file():
            return
        if not (self.shared_root / ".appliance-root-complete").is_file():
            LocalAsterisk().build()  # the shared root, as make setup builds it
        tmp = self.root.with_name(self.root.name + f".tmp.{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        # -x: never into a /proc the shared instance may have mounted in its root.
        subprocess.run(["cp", "-ax", "--reflink=auto", str(self.shared_root), str(tmp)], check=True)
        # Nothing of the running shared instance: its control socket, pid, astdb and logs.
        for sub in ("run/asterisk", "var/log/asterisk", "var/spool/asterisk"):
            shutil.rmtree(tmp / sub, ignore_errors=True)
            (tmp / sub).mkdir(parents=True, exist_ok=True)
        (tmp / "var/lib/asterisk/astdb.sqlite3").unlink(missing_ok=True)
        tmp.rename(self.root)

    # -- lifecycle --------------------------------------------------------------------

    def acquire(self) -> None:
        """Lock the instance for this soak, then bring it up."""
        self.state.mkdir(parents=True, exist_ok=True)
        lock = open(self.state / "soak.lock", "w")  # noqa: SIM115 - held for the soak's life
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise SoakAsteriskBusy(f"another soak is running (it holds {self.state / 'soak.lock'})") from None
        self._lock = lock
        self.prepare()
        self.handle.up()

    def release(self) -> None:
        try:
            self.handle.down()
        finally:
            if self._lock is not None:
                self._lock.close()
                self._lock = None

    def pid(self) -> int | None:
        try:
            pid = int((self.state / "asterisk.pid").read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            alive = Path(f"/proc/{pid}/comm").read_text().strip() == "asterisk"
        except OSError:
            alive = False
        return pid if alive else None

    def kill(self, timeout: float = 10.0) -> bool:
        """SIGKILL Asterisk (a crash, not a shutdown); True once it is gone.

        Waits until the process is reaped, not only dead: the script takes a zombie that
        still says "asterisk" in its comm for a live Asterisk.
        """
        pid = self.pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            time.sleep(0.05)
        return not _running(pid)

    def up(self) -> None:
        self.handle.up()


def _running(pid: int) -> bool:
    """Alive and not a zombie (a killed process waits for its reaper a moment)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
