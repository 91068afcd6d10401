"""The Ansible playbook (ansible/site.yml) applied to a fresh Debian root through a chroot.

What is exercised, for real:
  * all four roles (appliance, asterisk, models, knowledge) and site.yml, run by
    ansible-playbook through the ``community.general.chroot`` connection against a copy of a
    debootstrap'ed Debian bookworm minbase root (python3 + python3-venv; built once and cached
    in ``$APPLIANCE_CACHE_DIR/ansible-target-root``, copied fresh for every test run);
  * system user, folders, the venv made with the root's own Python and filled by
    ``pip install --no-index --find-links`` from a wheelhouse, the config file (validated by
    the installed package's ``load_settings``), the systemd unit and its enable link;
  * the Asterisk configs rendered from the repo's asterisk/*.conf templates (trunk identify
    line, ARI http bound to 127.0.0.1, no placeholder left), the ARI secret generated once,
    0600, and kept on the second run;
  * the models copied and checked by the installed ``appliance models verify`` (full sha256),
    and a bad checksum / a missing file in the manifest stopping the role with one line;
  * idempotence: the second run's PLAY RECAP says changed=0.

What is not (to keep the test at about a minute):
  * the wheelhouse holds only the project wheel and numpy, installed with --no-deps
    (``make bundle`` builds the full one: torch, llama.cpp, ...); only the vad and tts models
    are copied (the models role takes ``models_roles``);
  * the knowledge ingest command is a stub that logs its calls (the real one needs the full
    venv); the test checks it ran once on the first run and not on the second;
  * no Asterisk package in the root (bookworm has none), so the asterisk role runs with
    asterisk_require_installed=false and the configs are group root; services are not
    started (systemd does not run in a chroot: the roles skip starting on that connection).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.ansible]

REPO = Path(__file__).resolve().parents[1]
ANSIBLE_DIR = REPO / "ansible"
CACHE = Path(os.environ.get("APPLIANCE_CACHE_DIR", Path.home() / ".cache" / "offline-appliance"))
BASE_ROOT = CACHE / "ansible-target-root"
BASE_MARK = ".appliance-target-complete"
SUITE = "bookworm"
#: A hash as `appliance web passwd` prints it (of "a long password"; scrypt n=2^14, r=8, p=1).
WEB_HASH = "scrypt$16384$8$1$vpyJfdXYmErM83LWXMe0BA==$Q/neAnF4mxLlUhOJ78oiupGoAjWOeE3/8KzcpNCL34E="
RECAP = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def _mirror() -> str | None:
    """The Debian mirror the host uses (deb822 or one-line sources), or APPLIANCE_DEBIAN_MIRROR."""
    if os.environ.get("APPLIANCE_DEBIAN_MIRROR"):
        return os.environ["APPLIANCE_DEBIAN_MIRROR"]
    sources = Path("/etc/apt")
    for f in sorted(sources.glob("sources.list.d/*.sources")):
        for stanza in f.read_text(errors="replace").split("\n\n"):
            fields = dict(
                (k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in stanza.splitlines()) if v
            )
            if SUITE in fields.get("Suites", "").split() and "deb" in fields.get("Types", "").split():
                return fields.get("URIs", "").split()[0] if fields.get("URIs") else None
    for f in [sources / "sources.list", *sorted(sources.glob("sources.list.d/*.list"))]:
        if not f.is_file():
            continue
        for line in f.read_text(errors="replace").splitlines():
            parts = re.sub(r"\[[^]]*\]", "", line.split("#")[0]).split()
            if len(parts) >= 3 and parts[0] == "deb" and parts[2] == SUITE:
                return parts[1]
    return None


def _ensure_base_root() -> None:
    if (BASE_ROOT / BASE_MARK).is_file():
        return
    if not shutil.which("debootstrap"):
        pytest.skip("debootstrap is not installed (needed once to build the target root)")
    mirror = _mirror()
    if not mirror:
        pytest.skip(f"no Debian {SUITE} mirror in /etc/apt sources; set APPLIANCE_DEBIAN_MIRROR")
    tmp = BASE_ROOT.with_name(f"{BASE_ROOT.name}.tmp.{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    BASE_ROOT.parent.mkdir(parents=True, exist_ok=True)
    log = CACHE / "ansible-target-debootstrap.log"
    with log.open("w") as fh:
        rc = subprocess.run(
            ["debootstrap", "--variant=minbase", "--include=python3,python3-venv", SUITE, str(tmp), mirror],
            stdout=fh, stderr=subprocess.STDOUT,
        ).returncode
    if rc != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        pytest.fail(f"debootstrap of the target root failed (log: {log})")
    (tmp / BASE_MARK).write_text(f"{SUITE}\n")
    if BASE_ROOT.exists():
        shutil.rmtree(BASE_ROOT)
    tmp.rename(BASE_ROOT)


def _requirements() -> None:
    if not shutil.which("ansible-playbook"):
        pytest.skip("ansible-playbook is not installed (apt-get install ansible)")
    if os.geteuid() != 0:
        pytest.skip("the chroot connection needs root")
    doc = subprocess.run(
        ["ansible-doc", "-t", "connection", "community.general.chroot"], capture_output=True, text=True
    )
    if doc.returncode != 0:
        pytest.skip("the community.general collection (chroot connection) is not installed")


def _numpy_wheel(dest: Path) -> None:
    """numpy (the CLI imports it) from the full bundle, a cache, or pip's configured indexes."""
    for src in (REPO / "dist" / "appliance-bundle" / "wheelhouse", CACHE / "ansible-test-wheels"):
        found = sorted(src.glob("numpy-*-cp311-*.whl"))
        if found:
            shutil.copy2(found[-1], dest)
            return
    cache = CACHE / "ansible-test-wheels"
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
         "--python-version", "3.11", "-d", str(cache), "numpy"],
        check=True,
    )
    shutil.copy2(sorted(cache.glob("numpy-*.whl"))[-1], dest)


def _link_tree(src: Path, dest: Path) -> None:
    """Copy a tree with hard links where the filesystem allows (the model files are large)."""
    def link(s: str, d: str) -> None:
        try:
            os.link(s, d)
        except OSError:
            shutil.copy2(s, d)

    shutil.copytree(src, dest, copy_function=link)


class Target:
    def __init__(self, base: Path):
        self.base = base
        self.root = base / "root"
        self.bundle = base / "bundle"
        self.inventory = base / "inventory.ini"
        self.vars = base / "vars.json"

    def run(self, extra_vars: dict | None = None) -> subprocess.CompletedProcess:
        args = ["ansible-playbook", "-i", str(self.inventory), "-e", f"@{self.vars}", "site.yml"]
        if extra_vars:
            path = self.base / "extra.json"
            path.write_text(json.dumps(extra_vars))
            args += ["-e", f"@{path}"]
        env = dict(os.environ, ANSIBLE_CONFIG=str(ANSIBLE_DIR / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                   ANSIBLE_FORCE_COLOR="0", ANSIBLE_CALLBACK_RESULT_FORMAT="json",
                   ANSIBLE_LOCAL_TEMP=str(self.base / "ansible-tmp"))
        proc = subprocess.run(args, cwd=ANSIBLE_DIR, env=env, capture_output=True, text=True, timeout=900)
        (self.base / "last-run.log").write_text(proc.stdout + proc.stderr)
        return proc


def recap(output: str) -> dict[str, int]:
    m = RECAP.findall(output)
    assert m, f"no PLAY RECAP in the output:\n{output[-3000:]}"
    host, ok, changed, unreachable, failed = m[-1]
    return {"ok": int(ok), "changed": int(changed), "unreachable": int(unreachable), "failed": int(failed)}


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    _requirements()
    _ensure_base_root()
    base = tmp_path_factory.mktemp("ansible")
    t = Target(base)
    subprocess.run(["cp", "-a", str(BASE_ROOT), str(t.root)], check=True)
    # A small bundle in the layout scripts/bundle.sh writes.
    wh = t.bundle / "wheelhouse"
    wh.mkdir(parents=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(wh), str(REPO)],
        check=True,
    )
    _numpy_wheel(wh)
    models = t.bundle / "models"
    (models / "cache").mkdir(parents=True)
    shutil.copy2(REPO / "models" / "manifest.toml", models / "manifest.toml")
    for role in ("vad", "tts"):
        src = REPO / "models" / "cache" / role
        if not src.is_dir():
            pytest.skip(f"models/cache/{role} missing: run `make models`")
        _link_tree(src, models / "cache" / role)
    shutil.copytree(REPO / "kb" / "sample", t.bundle / "kb" / "sample")
    t.inventory.write_text(
        f"target ansible_connection=community.general.chroot ansible_host={t.root} "
        "ansible_python_interpreter=/usr/bin/python3\n"
    )
    t.vars.write_text(json.dumps({
        "appliance_bundle_dir": str(t.bundle),
        "asterisk_template_dir": str(REPO / "asterisk"),  # the single source of truth
        "asterisk_trunk_ip": "192.0.2.7",
        "asterisk_require_installed": False,
        "asterisk_config_group": "root",
        "appliance_pip_packages": ["appliance", "numpy"],
        "appliance_pip_no_deps": True,
        "appliance_cpu_quota": "150%",
        "appliance_web_password_hash": WEB_HASH,
        "models_roles": ["vad", "tts"],
        "knowledge_ingest_command": ["/bin/sh", "-c", "echo ingested >> /var/lib/appliance/ingest-calls.log"],
        # Lead delivery: the webhook secret generated on the box, the relay's login given.
        "appliance_leads_webhook_url": "https://crm.example.internal/hooks/leads",
        "appliance_leads_mail_smtp_host": "mail.example.internal",
        "appliance_leads_mail_starttls": True,
        "appliance_leads_mail_user": "pbx",
        "appliance_leads_mail_password": "relay secret",
        "appliance_leads_mail_from": "pbx@example.com",
        "appliance_leads_mail_to": ["sales@example.com"],
    }))
    try:
        yield t
    finally:
        subprocess.run(["rm", "-rf", "--one-file-system", str(t.root)], check=False)


@pytest.fixture(scope="module")
def first_run(target):
    proc = target.run()
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return proc


def test_first_run_provisions_the_box(target, first_run):
    r = recap(first_run.stdout)
    assert r["failed"] == 0 and r["changed"] > 0
    root = target.root

    pjsip = (root / "etc/asterisk/pjsip.conf").read_text()
    assert re.search(r"^\[trunk-identify\]\ntype = identify\nendpoint = trunk\nmatch = 192\.0\.2\.7$", pjsip, re.M)
    http = (root / "etc/asterisk/http.conf").read_text()
    assert re.search(r"^bindaddr = 127\.0\.0\.1$", http, re.M)
    assert re.search(r"^bindport = 8088$", http, re.M)
    ext = (root / "etc/asterisk/extensions.conf").read_text()
    assert "exten => _X.,1,Stasis(appliance)" in ext
    for conf in (root / "etc/asterisk").glob("*.conf"):
        assert not re.search(r"@[A-Z_]+@", conf.read_text()), f"placeholder left in {conf.name}"
        assert conf.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in (root / "etc/asterisk").iterdir()) == sorted(
        p.name for p in (REPO / "asterisk").glob("*.conf")
    )

    secret_file = root / "etc/appliance/ari-password"
    secret = secret_file.read_text().strip()
    assert len(secret) == 40 and secret.isalnum()
    assert secret_file.stat().st_mode & 0o777 == 0o600
    passwd = (root / "etc/passwd").read_text()
    uid = int(re.search(r"^appliance:x:(\d+):", passwd, re.M).group(1))
    assert secret_file.stat().st_uid == uid
    ari = (root / "etc/asterisk/ari.conf").read_text()
    assert f"password = {secret}\n" in ari
    assert "[appliance]\ntype = user" in ari

    config = (root / "etc/appliance/appliance.toml").read_text()
    assert 'password_file = "/etc/appliance/ari-password"' in config
    assert 'models_manifest = "/opt/appliance/models/manifest.toml"' in config
    sys.path.insert(0, str(REPO))
    from appliance.config import load_settings

    settings = load_settings(root / "etc/appliance/appliance.toml")
    assert settings.ari.url == "http://127.0.0.1:8088" and settings.knowledge.source_dir == "/opt/appliance/kb"
    assert settings.web.password_hash == WEB_HASH, "the console's password hash from the role variable"

    # Lead delivery: the settings, and the secrets in 0600 files of the service user.
    assert settings.leads.channels() == ("webhook", "mail")
    assert settings.leads.webhook.secret_file == "/etc/appliance/leads-webhook-secret"
    assert settings.leads.mail.starttls and settings.leads.mail.to == ["sales@example.com"]
    hook_secret = root / "etc/appliance/leads-webhook-secret"
    assert re.fullmatch(r"[A-Za-z0-9]{48}\n", hook_secret.read_text())
    smtp_login = root / "etc/appliance/leads-smtp-credentials"
    assert smtp_login.read_text() == "pbx\nrelay secret\n"
    for f in (hook_secret, smtp_login):
        assert f.stat().st_mode & 0o777 == 0o600 and f.stat().st_uid == uid, f

    unit = (root / "etc/systemd/system/appliance.service").read_text()
    for line in (
        "User=appliance",
        "Restart=on-failure",
        "MemoryMax=4G",
        "CPUQuota=150%",
        "ExecStart=/opt/appliance/venv/bin/appliance serve --config /etc/appliance/appliance.toml",
        "ExecStartPre=/opt/appliance/venv/bin/appliance --config /etc/appliance/appliance.toml models verify --quick",
        "WantedBy=multi-user.target",
        # A hung event loop stops the pings: systemd restarts the service.
        "Type=notify",
        "NotifyAccess=main",
        "WatchdogSec=30",
        "UMask=0027",
        "PrivateDevices=yes",
        "ProtectKernelModules=yes",
        "ProtectKernelTunables=yes",
        "ProtectControlGroups=yes",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
        "SystemCallFilter=@system-service",
        "CapabilityBoundingSet=",
        "NoNewPrivileges=yes",
    ):
        assert f"\n{line}\n" in unit, line
    link = root / "etc/systemd/system/multi-user.target.wants/appliance.service"
    assert os.readlink(link) == "/etc/systemd/system/appliance.service"

    # The venv runs the installed package with the root's own Python.
    out = subprocess.run(
        ["chroot", str(root), "/opt/appliance/venv/bin/appliance", "models", "verify",
         "--manifest", "/opt/appliance/models/manifest.toml", "vad", "tts"],
        capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stderr
    assert re.search(r"^tts\s+ok\s+piper", out.stdout, re.M)
    assert (root / "opt/appliance/models/cache/tts/en_US-joe-medium.onnx").is_file()
    assert (root / "opt/appliance/kb/about.md").is_file()
    assert (root / "var/lib/appliance/ingest-calls.log").read_text() == "ingested\n"
    assert not (root / "opt/appliance/wheelhouse").is_symlink()


def test_second_run_changes_nothing(target, first_run):
    secret = (target.root / "etc/appliance/ari-password").read_text()
    hook_secret = (target.root / "etc/appliance/leads-webhook-secret").read_text()
    proc = target.run()
    assert proc.returncode == 0, proc.stdout[-4000:]
    r = recap(proc.stdout)
    changed = [line for line in proc.stdout.splitlines() if line.startswith("changed:")]
    assert r["changed"] == 0 and r["failed"] == 0, changed
    assert (target.root / "etc/appliance/ari-password").read_text() == secret
    assert (target.root / "etc/appliance/leads-webhook-secret").read_text() == hook_secret
    # The documents did not change, so no second ingest.
    assert (target.root / "var/lib/appliance/ingest-calls.log").read_text() == "ingested\n"


def _fail_line(proc: subprocess.CompletedProcess) -> str:
    """The fail task's message (the json result format prints each result on one line)."""
    for line in proc.stdout.splitlines():
        if line.startswith("fatal:") and "model check failed:" in line:
            msg = json.loads(line.split("=>", 1)[1])["msg"]
            assert "\n" not in msg.strip()
            return msg
    raise AssertionError(proc.stdout[-4000:])


def test_bad_model_checksum_stops_the_role(target, first_run):
    manifest = target.bundle / "models" / "manifest.toml"
    good = manifest.read_text()
    real = "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06"
    assert real in good
    try:
        manifest.write_text(good.replace(real, "0" * 64))
        proc = target.run()
        assert proc.returncode != 0
        line = _fail_line(proc)
        assert "en_US-joe-medium.onnx" in line and "sha256 differs" in line, line

        # A manifest entry whose file the bundle lacks.
        manifest.write_text(good.replace('name = "en_US-joe-medium.onnx.json"', 'name = "en_US-amy-low.onnx.json"'))
        proc = target.run()
        assert proc.returncode != 0
        line = _fail_line(proc)
        assert "en_US-amy-low.onnx.json" in line and "missing" in line, line
    finally:
        manifest.write_text(good)
    proc = target.run()
    assert proc.returncode == 0, proc.stdout[-4000:]


def test_ansible_lint_is_clean():
    lint = shutil.which("ansible-lint") or str(CACHE / "ansible-venv" / "bin" / "ansible-lint")
    if not Path(lint).exists():  # `make test` installs it first: a missing linter is a failure, not a skip
        pytest.fail("ansible-lint is not installed: run `make ansible-lint-tool` (make test does)")
    proc = subprocess.run([lint, "site.yml"], cwd=ANSIBLE_DIR, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
