"""A real Asterisk on this machine, for tests, CI and the demo.

The production appliance talks to the PBX's own Asterisk over ARI. Mocking ARI would
let the call flow drift from what Asterisk really does, so development runs against a
real Asterisk 22 instead: ``scripts/asterisk.sh`` builds a Debian sid root with it
(debootstrap, cached under ``$APPLIANCE_CACHE_DIR``), renders our configs from
``asterisk/`` and runs it chrooted. This module wraps that script so Python tests and
the demo can start/stop it and read the connection details it writes to its env file.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPO_DIR = Path(__file__).resolve().parents[2]
SCRIPT = REPO_DIR / "scripts" / "asterisk.sh"


def cache_dir() -> Path:
    """Where builds live: outside the checkout, so clones on one machine share them."""
    default = Path(os.environ.get("HOME", "/root")) / ".cache" / "offline-appliance"
    return Path(os.environ.get("APPLIANCE_CACHE_DIR", str(default)))


class LocalAsteriskError(RuntimeError):
    """The script failed; the message carries its output (Asterisk's log tail on a failed up)."""


class LocalAsterisk:
    """Start, stop and describe the chrooted development Asterisk.

    All state lives with the script (pid file, generated ARI password, env file), so a
    ``LocalAsterisk`` object is only a handle: several objects, or a shell running
    ``scripts/asterisk.sh`` by hand, see the same instance.
    """

    def __init__(self, script: Path = SCRIPT, env: dict[str, str] | None = None) -> None:
        self.script = script
        # Extra environment for the script (ports, cache dir); defaults come from it.
        self._extra_env = dict(env or {})

    # -- environment -----------------------------------------------------------------

    @property
    def cache_dir(self) -> Path:
        return Path(self._extra_env.get("APPLIANCE_CACHE_DIR", str(cache_dir())))

    @property
    def state_dir(self) -> Path:
        return Path(
            self._extra_env.get(
                "ASTERISK_STATE_DIR",
                os.environ.get("ASTERISK_STATE_DIR", str(self.cache_dir / "asterisk-state")),
            )
        )

    @property
    def root_dir(self) -> Path:
        return Path(
            self._extra_env.get(
                "ASTERISK_ROOT",
                os.environ.get("ASTERISK_ROOT", str(self.cache_dir / "asterisk-root")),
            )
        )

    @property
    def env_file(self) -> Path:
        return self.state_dir / "asterisk.env"

    @staticmethod
    def available() -> tuple[bool, str]:
        """Whether this machine can run the local Asterisk, and if not, why.

        Tests skip with this reason instead of erroring where it cannot work (not root,
        no debootstrap, no chroot). On the dev machines and in CI it must say True.
        """
        if os.name != "posix" or not hasattr(os, "geteuid"):
            return False, "local Asterisk needs Linux"
        if os.geteuid() != 0:
            return False, "local Asterisk needs root (debootstrap/chroot); run the tests as root"
        for tool in ("bash", "chroot", "curl"):
            if shutil.which(tool) is None:
                return False, f"{tool} not found"
        root = Path(os.environ.get("ASTERISK_ROOT", str(cache_dir() / "asterisk-root")))
        complete = (root / ".appliance-root-complete").is_file()
        if not complete and shutil.which("debootstrap") is None:
            return False, "no Asterisk root and no debootstrap (run scripts/system-deps.sh)"
        if not SCRIPT.is_file():
            return False, f"{SCRIPT} missing"
        return True, "ok"

    def _run(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **self._extra_env}
        proc = subprocess.run(
            ["bash", str(self.script), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if proc.returncode != 0 and args[0] != "status":
            raise LocalAsteriskError(
                f"scripts/asterisk.sh {' '.join(args)} failed ({proc.returncode}):\n"
                f"{proc.stdout}{proc.stderr}"
            )
        return proc

    # -- lifecycle -------------------------------------------------------------------

    def build(self) -> None:
        """Build the Asterisk root once (about a minute; seconds when cached)."""
        self._run("build")

    def up(self) -> None:
        """Build if needed, then start Asterisk and wait for ARI (idempotent)."""
        self.build()
        self._run("up")

    def down(self) -> None:
        """Stop Asterisk; afterwards no Asterisk process from our root is left."""
        self._run("down", timeout=120)

    def restart(self) -> None:
        self.down()
        self.up()

    def is_up(self) -> bool:
        """True when the process runs and ARI answers with our credentials."""
        return self._run("status", timeout=30).returncode == 0

    def cli(self, command: str, timeout: float = 20) -> str:
        """Run an Asterisk CLI command (``asterisk -rx``) and return its output."""
        proc = subprocess.run(
            ["chroot", str(self.root_dir), "/usr/sbin/asterisk", "-rx", command],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if proc.returncode != 0:
            raise LocalAsteriskError(f"asterisk -rx {command!r} failed: {proc.stderr}{proc.stdout}")
        return proc.stdout

    # -- sharing between test sessions ---------------------------------------------

    @property
    def lease_dir(self) -> Path:
        return self.state_dir / "leases"

    def acquire(self) -> None:
        """Bring Asterisk up and register this process as a user of it.

        Several pytest sessions (engineers sharing a machine, xdist workers) use the one
        Asterisk the root supports; each holds a lease file named by its pid so the last
        one out stops it and nobody stops it under someone else's running tests.
        """
        self.lease_dir.mkdir(parents=True, exist_ok=True)
        # Already running with nobody holding a lease: someone started it by hand (make
        # asterisk-up, the demo); leave it running when we are done.
        self._started_here = not (self.is_up() and not self.other_users())
        (self.lease_dir / str(os.getpid())).touch()
        self.up()

    def other_users(self) -> list[int]:
        """Pids of other live processes holding a lease (stale leases are removed)."""
        pids: list[int] = []
        if not self.lease_dir.is_dir():
            return pids
        for lease in self.lease_dir.iterdir():
            if not lease.name.isdigit():
                continue
            pid = int(lease.name)
            if pid == os.getpid():
                continue
            if Path(f"/proc/{pid}").exists():
                pids.append(pid)
            else:
                lease.unlink(missing_ok=True)
        return pids

    def release(self) -> None:
        """Drop this process's lease; stop Asterisk when no other user is left."""
        (self.lease_dir / str(os.getpid())).unlink(missing_ok=True)
        if not self.other_users() and getattr(self, "_started_here", True):
            self.down()

    # -- connection details ----------------------------------------------------------

    def env(self) -> dict[str, str]:
        """The KEY=VALUE pairs the script wrote on the last successful up."""
        if not self.env_file.is_file():
            raise LocalAsteriskError(f"{self.env_file} missing: is the local Asterisk up?")
        values: dict[str, str] = {}
        for line in self.env_file.read_text().splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip()
        return values

    @property
    def ari_url(self) -> str:
        """Base URL without the /ari suffix, e.g. http://127.0.0.1:8088."""
        return self.env()["ARI_URL"]

    @property
    def ari_username(self) -> str:
        return self.env()["ARI_USERNAME"]

    @property
    def ari_password(self) -> str:
        return self.env()["ARI_PASSWORD"]

    @property
    def sip_host(self) -> str:
        return self.env()["SIP_HOST"]

    @property
    def sip_port(self) -> int:
        return int(self.env()["SIP_PORT"])

    @property
    def app(self) -> str:
        """The Stasis application name the dialplan sends calls to."""
        return self.env()["ARI_APP"]

    # -- ARI helper ------------------------------------------------------------------

    def ari_get(
        self,
        path: str,
        *,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 5,
    ) -> Any:
        """GET an ARI resource (e.g. ``/ari/channels``) and return the decoded JSON.

        Synchronous on purpose: tests use it to look at Asterisk's state from outside
        the async service. Raises urllib.error.HTTPError on 4xx/5xx (e.g. 401).
        """
        if not path.startswith("/"):
            path = "/" + path
        if not path.startswith("/ari/"):
            path = "/ari" + path
        user = self.ari_username if username is None else username
        secret = self.ari_password if password is None else password
        token = base64.b64encode(f"{user}:{secret}".encode()).decode()
        request = urllib.request.Request(
            self.ari_url + path, headers={"Authorization": f"Basic {token}"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None


def ari_get(path: str, **kwargs: Any) -> Any:
    """Module-level shortcut: ``LocalAsterisk().ari_get(path)``."""
    return LocalAsterisk().ari_get(path, **kwargs)


__all__ = ["LocalAsterisk", "LocalAsteriskError", "ari_get", "HTTPError"]

HTTPError = urllib.error.HTTPError
