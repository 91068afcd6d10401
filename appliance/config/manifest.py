"""The model manifest: which model file plays which role, where it lives, and its digest.

``models/manifest.toml`` has one table per role (``vad``, ``asr``, ``asr_vosk``, ``tts``,
``llm``, ``embeddings``).  Each names the engine, the ``path`` the engine loads (a file or a
folder, relative to the manifest's folder), the language, the sample rate where it applies,
the PyPI ``package`` it is copied from, and ``[[role.files]]``: every file of the model with
its ``name`` (relative to the role's install folder ``cache/<role>/``), ``size`` in bytes,
``sha256`` and ``source`` (where in the installed package it comes from).  The role's own
``size`` is the sum of its files and its ``sha256`` is one digest over the sorted file list
(see :func:`combined_digest`), so one line identifies a whole folder model.

``appliance models install`` copies the files into place; :meth:`Manifest.verify_all`
checks them and says what to do when one is missing or differs.

A file's ``source`` may also be a list of ``<module>/<path>`` sources: the file is their
bytes joined in order (a model a registry ships as parts, one package per part).  A role
with ``group = "<name>"`` (not "default") is a model installed on request only
(``appliance models install --group <name>`` or by naming the role): an alternative model,
too large for every machine to fetch, that a config can switch to (``llm.role``).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import shutil
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appliance.config.errors import ModelError

ROLES = ("vad", "asr", "asr_vosk", "tts", "llm", "embeddings")
_HASH_BLOCK = 1 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def combined_digest(files: list[tuple[str, str]]) -> str:
    """One digest over a model's files: sha256 of ``"<sha256>  <name>\\n"`` lines sorted by name.

    The same text ``sha256sum`` prints, so ``(cd models/cache/<role> && sha256sum $(find . -type f
    | sed 's|^./||' | LC_ALL=C sort)) | sha256sum`` reproduces it by hand.
    """
    text = "".join(f"{sha}  {name}\n" for name, sha in sorted(files))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class ModelFile:
    """One file of a model."""

    name: str  # relative to the role's install folder
    path: Path  # absolute, where it is installed
    size: int
    sha256: str
    #: "<module>/<path inside the package>", "<module>:assemble()", "wheel:<pkg>==<ver>:<member>",
    #: or several "<module>/<path>" joined in order (a model shipped as parts)
    source: str | tuple[str, ...]


@dataclass(frozen=True)
class ModelEntry:
    """One role's model, as the manifest describes it."""

    role: str
    engine: str
    path: Path  # absolute: the file or folder the engine loads
    install_dir: Path  # absolute: models/cache/<role>
    package: str
    language: str
    sample_rate: int | None
    size: int
    sha256: str
    files: tuple[ModelFile, ...] = field(default_factory=tuple)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def group(self) -> str:
        """"default" (installed by ``appliance models install``), else installed on request."""
        return str(self.extra.get("group", "default"))

    @property
    def absent(self) -> bool:
        """None of the model's files is there (an optional or on-request model not installed)."""
        return not any(f.path.exists() for f in self.files)


def _need(table: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in table:
        raise ModelError(f"{where}: missing key {key!r}")
    value = table[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise ModelError(f"{where}.{key}: expected {kind.__name__}, got {value!r}")
    return value


class Manifest:
    """The parsed manifest; ``get(role)`` gives one model entry with absolute paths."""

    def __init__(self, path: Path, entries: dict[str, ModelEntry]):
        self.path = path
        self.models_dir = path.parent
        self.entries = entries

    def roles(self) -> list[str]:
        return list(self.entries)

    def get(self, role: str) -> ModelEntry:
        try:
            return self.entries[role]
        except KeyError:
            raise ModelError(
                f"{self.path}: no [{role}] model in the manifest (it has: {', '.join(self.entries)})"
            ) from None

    def default_roles(self) -> list[str]:
        """The roles ``appliance models install`` installs when given none."""
        return [r for r, e in self.entries.items() if e.group == "default"]

    def verify_all(self, full: bool = True) -> list[ModelEntry]:
        """Check every role's files; raises ModelError on the first bad one.

        A role marked ``optional = true`` or in a group other than "default" whose files are
        all absent is skipped (an optional engine falls back without it; an on-request model
        is only loaded when the config names it); once any of its files is there it is checked.
        """
        checked = []
        for entry in self.entries.values():
            if (entry.extra.get("optional") or entry.group != "default") and entry.absent:
                continue
            verify(entry, full=full)
            checked.append(entry)
        return checked


def load_manifest(path: str | Path) -> Manifest:
    """Read and check ``manifest.toml``; paths in it are relative to its folder."""
    p = Path(path).resolve()
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"model manifest {p} does not exist (models_manifest in the config names it)") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"model manifest {p} is not valid TOML: {exc}") from None
    base = p.parent
    entries: dict[str, ModelEntry] = {}
    for role, table in raw.items():
        where = f"{p.name} [{role}]"
        if not isinstance(table, dict):
            raise ModelError(f"{where}: expected a table")
        files_raw = _need(table, "files", list, where)
        install_dir = (base / "cache" / role).resolve()
        files = []
        for i, f in enumerate(files_raw):
            fwhere = f"{where} files[{i}]"
            if not isinstance(f, dict):
                raise ModelError(f"{fwhere}: expected a table")
            name = _need(f, "name", str, fwhere)
            source = f.get("source")
            if isinstance(source, list) and source and all(isinstance(x, str) for x in source):
                source = tuple(source)
            elif not isinstance(source, str):
                raise ModelError(f"{fwhere}.source: expected a string or a list of parts, got {source!r}")
            files.append(
                ModelFile(
                    name=name,
                    path=install_dir / name,
                    size=_need(f, "size", int, fwhere),
                    sha256=_need(f, "sha256", str, fwhere).lower(),
                    source=source,
                )
            )
        if not files:
            raise ModelError(f"{where}: lists no files")
        rate = table.get("sample_rate")
        known = {"engine", "path", "package", "language", "sample_rate", "size", "sha256", "files"}
        entries[role] = ModelEntry(
            role=role,
            engine=_need(table, "engine", str, where),
            path=(base / _need(table, "path", str, where)).resolve(),
            install_dir=install_dir,
            package=_need(table, "package", str, where),
            language=str(table.get("language", "")),
            sample_rate=int(rate) if rate is not None else None,
            size=int(table.get("size", sum(f.size for f in files))),
            sha256=str(table.get("sha256", "")).lower(),
            files=tuple(files),
            extra={k: v for k, v in table.items() if k not in known},
        )
    return Manifest(p, entries)


def verify(entry: ModelEntry, full: bool = True) -> None:
    """Raise ModelError naming the first missing, resized or (with ``full``) altered file."""
    for f in entry.files:
        if not f.path.is_file():
            raise ModelError(f"{entry.role} model file {f.path} is missing: run {_install_hint(entry)}")
        size = f.path.stat().st_size
        if size != f.size:
            raise ModelError(
                f"{entry.role} model file {f.path} is {size} bytes, the manifest says {f.size}: "
                "re-copy it (run `make models`)"
            )
        if full and sha256_file(f.path) != f.sha256:
            raise ModelError(
                f"{entry.role} model file {f.path}: the file's sha256 differs from the manifest: "
                "re-copy it (run `make models`)"
            )
    if not entry.path.exists():
        raise ModelError(f"{entry.role} model path {entry.path} does not exist: run `make models`")


def _install_hint(entry: ModelEntry) -> str:
    """What installs the entry: ``make models``, or its group's install command."""
    return "`make models`" if entry.group == "default" else f"`appliance models install --group {entry.group}`"


def require_path(entry: ModelEntry) -> Path:
    """The entry's path, or a ModelError saying how to install it (cheap check for engines)."""
    for f in entry.files:
        if not f.path.is_file():
            raise ModelError(f"{entry.role} model file {f.path} is missing: run {_install_hint(entry)}")
    if not entry.path.exists():
        raise ModelError(f"{entry.role} model {entry.path} does not exist: run {_install_hint(entry)}")
    return entry.path


# --- installing from the model packages -------------------------------------------------------


def _package_dir(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"Python package {module!r} is not installed: run `make models`")
    return Path(list(spec.submodule_search_locations)[0])


def source_path(source: str) -> Path:
    """Where a ``<module>/<path>`` source lies in the installed package."""
    module, _, rel = source.partition("/")
    return _package_dir(module) / rel


def _join_parts(parts: tuple[str, ...], dest: Path) -> None:
    """Write the parts' bytes one after the other (each a ``<module>/<path>`` source)."""
    with dest.open("wb") as out:
        for part in parts:
            src = source_path(part)
            if not src.is_file():
                raise ModelError(f"{src} is missing from its package: reinstall it (run `make models`)")
            with src.open("rb") as fh:
                shutil.copyfileobj(fh, out, _HASH_BLOCK)


def _materialise(source: str | tuple[str, ...], dest: Path) -> None:
    """Write the source's bytes to ``dest`` (atomically, via a temp file beside it)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if isinstance(source, tuple):
            _join_parts(source, tmp)
        elif source.startswith("wheel:"):
            _wheel_member(source, tmp)
        elif source.endswith(":assemble()"):
            module = importlib.import_module(source.split(":", 1)[0])
            module.assemble(output_path=tmp, overwrite=True)
        else:
            src = source_path(source)
            if not src.is_file():
                raise ModelError(f"{src} is missing from its package: reinstall it (run `make models`)")
            shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


# --- source kind "wheel:<requirement>:<member>": a file inside a wheel that is not installed ---
# For a model shipped inside a package too heavy to install (e.g. pipecat-ai's Smart Turn ONNX):
# ``pip download --no-deps <requirement>`` once into $APPLIANCE_CACHE_DIR/wheels, then read
# <member> out of the wheel (a zip).  The requirement must pin one version ("name==X.Y.Z").


def _wheel_cache_dir() -> Path:
    default = Path(os.environ.get("HOME", "/root")) / ".cache" / "offline-appliance"
    return Path(os.environ.get("APPLIANCE_CACHE_DIR", str(default))) / "wheels"


def _wheel_member(source: str, dest: Path) -> None:
    import re
    import subprocess
    import sys
    import zipfile

    _, requirement, member = source.split(":", 2)
    name, sep, version = requirement.partition("==")
    if not sep or not member:
        raise ModelError(f"source {source!r}: expected 'wheel:<package>==<version>:<path in the wheel>'")
    stem = re.sub(r"[-_.]+", "_", name).lower()
    cache = _wheel_cache_dir()
    found = sorted(cache.glob(f"{stem}-{version}-*.whl"))
    if not found:
        cache.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
               "-q", requirement, "-d", str(cache)]
        run = subprocess.run(cmd, capture_output=True, text=True)
        found = sorted(cache.glob(f"{stem}-{version}-*.whl"))
        if run.returncode != 0 or not found:
            raise ModelError(f"cannot download the wheel {requirement} ({run.stderr.strip()[-300:]})")
    try:
        with zipfile.ZipFile(found[0]) as zf, zf.open(member) as src, dest.open("wb") as out:
            shutil.copyfileobj(src, out)
    except KeyError:
        raise ModelError(f"{member} is not in the wheel {found[0]}") from None
    except zipfile.BadZipFile:
        found[0].unlink(missing_ok=True)
        raise ModelError(f"the cached wheel {found[0]} is damaged: removed, run `make models` again") from None


def install(entry: ModelEntry, log: Callable[[str], None] = lambda _m: None) -> int:
    """Copy the entry's files from their packages where missing or different; returns how many."""
    copied = 0
    for f in entry.files:
        if f.path.is_file() and f.path.stat().st_size == f.size and sha256_file(f.path) == f.sha256:
            continue
        log(f"{entry.role}: installing {f.name}")
        _materialise(f.source, f.path)
        got = sha256_file(f.path)
        if got != f.sha256:
            what = f.source if isinstance(f.source, str) else f"{len(f.source)} parts ({f.source[0]} ...)"
            raise ModelError(
                f"{entry.role}: {what} installed as {f.path} but its sha256 differs from the manifest: "
                f"the package {entry.package} is not the version the manifest was made from"
            )
        copied += 1
    return copied
