#!/usr/bin/env bash
# Build the air-gapped provisioning bundle: everything the Ansible playbook (ansible/)
# needs to install the appliance on a box with no network.
#
#   bash scripts/bundle.sh [OUT]        (make bundle; OUT defaults to dist/appliance-bundle)
#
# Layout of OUT:
#   wheelhouse/        every Python wheel the service needs: the project wheel, its
#                      dependencies, the [models] extra's packages, torch (the CPU wheel pip
#                      finds for torch==$TORCH_VERSION) and llama-cpp-python (the wheel cached
#                      in $APPLIANCE_CACHE_DIR/wheels; never rebuilt here)
#   sdist/             the project's source tarball (git archive of HEAD, plus a pip-built
#                      sdist when the 'build' module is importable)
#   models/            models/manifest.toml and models/cache/ (run `make models` first)
#   asterisk/          the Asterisk config templates (@VAR@ placeholders; the Ansible
#                      asterisk role renders them)
#   kb/sample/         the knowledge base the knowledge role copies and ingests
#   debs/              Asterisk .deb files, only when some were found (see below)
#   BUNDLE_INFO        what was bundled, from which commit
#   MANIFEST.sha256    sha256sum of every file above (check: cd OUT && sha256sum -c MANIFEST.sha256)
#
# Asterisk packages: Debian bookworm has none (sid does). Debs are bundled from, in order:
#   $ASTERISK_DEBS_DIR/*.deb                       when set (e.g. debs an integrator downloaded)
#   $ASTERISK_ROOT/var/cache/apt/archives/*.deb    the debootstrap'ed sid root of
#                                                  scripts/asterisk.sh, if its cache still has them
# With BUNDLE_ASTERISK_DEBS=download, the debs (asterisk, asterisk-modules, asterisk-config and
# their dependency closure) are fetched by apt-get inside that sid root (needs the network at
# bundle time only). Without debs, the asterisk role expects Asterisk to be installed already.
#
# Idempotent and incremental: wheels already in the wheelhouse are reused (pip is pointed at
# it with --find-links), models/ is synchronised (only changed files are copied), and the
# manifest is recomputed only for files whose size or mtime changed.
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-${BUNDLE_DIR:-$REPO_DIR/dist/appliance-bundle}}"
CACHE="${APPLIANCE_CACHE_DIR:-$HOME/.cache/offline-appliance}"
WHEELS="$CACHE/wheels"
ASTERISK_ROOT="${ASTERISK_ROOT:-$CACHE/asterisk-root}"
TORCH_VERSION="${TORCH_VERSION:-2.13.0}"
LLAMA_VERSION=0.3.36
VENV="${VENV:-$REPO_DIR/.venv}"

log() { echo "bundle.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

if [ -x "$VENV/bin/python" ]; then PY="$VENV/bin/python"
elif command -v python3.11 >/dev/null; then PY=python3.11
else PY=python3; fi
PIP=("$PY" -m pip --disable-pip-version-check -q)

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
case "$OUT" in "$REPO_DIR"|/) die "refusing to use $OUT as the bundle folder" ;; esac
WH="$OUT/wheelhouse"
mkdir -p "$WH" "$OUT/sdist"
t0=$SECONDS

# --- wheelhouse ------------------------------------------------------------------------
ls "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl >/dev/null 2>&1 \
  || die "no llama-cpp-python $LLAMA_VERSION wheel in $WHEELS: run 'make python' first (it builds it once)"
cp -u "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl "$WH/"

# The project's own wheel is rebuilt each time (same version, new code): drop the old one.
rm -f "$WH"/appliance-*.whl
log "project wheel"
"${PIP[@]}" wheel --no-deps --no-build-isolation -w "$WH" "$REPO_DIR" \
  || "${PIP[@]}" wheel --no-deps -w "$WH" "$REPO_DIR"

# torch first (the CPU wheel; sentence-transformers would otherwise pull the CUDA build).
log "torch==$TORCH_VERSION (CPU) and every dependency of appliance[models]"
"${PIP[@]}" wheel -w "$WH" --find-links "$WH" --find-links "$WHEELS" "torch==$TORCH_VERSION"
# Everything else; torch is pinned to the wheel now in the wheelhouse.
echo "torch==$TORCH_VERSION" >"$OUT/.constraints.txt"
"${PIP[@]}" wheel -w "$WH" --find-links "$WH" --find-links "$WHEELS" \
  -c "$OUT/.constraints.txt" "$(ls "$WH"/appliance-*.whl)[models]"
rm -f "$OUT/.constraints.txt"
# A CUDA torch must not have slipped in (it would be ~2 GB and useless on the box).
if ls "$WH"/nvidia_* >/dev/null 2>&1; then
  die "CUDA wheels (nvidia_*) ended up in $WH: the CPU torch wheel was not found"
fi

# --- sources ---------------------------------------------------------------------------
if git -C "$REPO_DIR" rev-parse --git-dir >/dev/null 2>&1; then
  git -C "$REPO_DIR" archive --format=tar.gz --prefix=appliance/ -o "$OUT/sdist/appliance-src.tar.gz" HEAD
fi
if (cd / && "$PY" -m build --version) >/dev/null 2>&1; then
  rm -f "$OUT"/sdist/appliance-*.tar.gz.tmp
  "$PY" -m build --sdist --no-isolation -o "$OUT/sdist" "$REPO_DIR" >/dev/null
fi

# --- models, Asterisk templates, knowledge base ----------------------------------------
[ -f "$REPO_DIR/models/manifest.toml" ] || die "models/manifest.toml missing"
[ -d "$REPO_DIR/models/cache" ] || die "models/cache missing: run 'make models' first"
# Quick check (sizes only) that the cache matches the manifest before it is bundled.
if "$PY" -c 'import appliance' 2>/dev/null; then
  "$PY" -m appliance.cli.main models verify --quick --manifest "$REPO_DIR/models/manifest.toml" >/dev/null \
    || die "models/cache does not match models/manifest.toml (run 'make models')"
fi

# sync SRC DEST: DEST becomes a copy of SRC; unchanged files (same size and mtime) are kept.
sync_dir() {
  local src="$1" dest="$2"
  if command -v rsync >/dev/null; then
    mkdir -p "$dest"
    rsync -a --delete "$src/" "$dest/"
    return
  fi
  mkdir -p "$dest"
  # Remove what is gone from SRC, then copy what is new or changed.
  (cd "$dest" && find . -depth -mindepth 1) | while IFS= read -r rel; do
    [ -e "$src/$rel" ] || [ -L "$src/$rel" ] || rm -rf "${dest:?}/$rel"
  done
  (cd "$src" && find . -mindepth 1 -type d) | while IFS= read -r rel; do mkdir -p "$dest/$rel"; done
  (cd "$src" && find . -type f) | while IFS= read -r rel; do
    if [ ! -f "$dest/$rel" ] || [ "$(stat -c %s.%Y "$src/$rel")" != "$(stat -c %s.%Y "$dest/$rel")" ]; then
      cp -p "$src/$rel" "$dest/$rel"
    fi
  done
}

log "models, asterisk templates, knowledge base"
mkdir -p "$OUT/models"
cp -p "$REPO_DIR/models/manifest.toml" "$OUT/models/manifest.toml"
[ -f "$REPO_DIR/models/README.md" ] && cp -p "$REPO_DIR/models/README.md" "$OUT/models/README.md"
# Only the files the manifest lists travel (no temp files of an interrupted install).
sync_dir "$REPO_DIR/models/cache" "$OUT/models/cache"
find "$OUT/models/cache" -name '.*.tmp*' -delete 2>/dev/null || true
sync_dir "$REPO_DIR/asterisk" "$OUT/asterisk"
sync_dir "$REPO_DIR/kb/sample" "$OUT/kb/sample"
sync_dir "$REPO_DIR/kb/sample_ru" "$OUT/kb/sample_ru"

# --- the Russian voice's debs (festival, festvox-ru, libestools), for agent.language = "ru" ---
# From $VOICE_DEBS_DIR, else the host's apt cache (scripts/system-deps.sh installed them);
# the appliance role installs them with apt-get --no-download when the box speaks Russian.
voice_debs=()
for d in "${VOICE_DEBS_DIR:-}" /var/cache/apt/archives; do
  [ -n "$d" ] || continue
  for p in festival festvox-ru libestools2.5; do
    f="$(ls "$d"/"$p"_*.deb 2>/dev/null | sort | tail -1 || true)"
    [ -n "$f" ] && voice_debs+=("$f")
  done
  [ ${#voice_debs[@]} -eq 3 ] && break
  voice_debs=()
done
if [ ${#voice_debs[@]} -eq 3 ]; then
  mkdir -p "$OUT/voice-debs"
  cp -u "${voice_debs[@]}" "$OUT/voice-debs/"
  log "voice-debs: festival, festvox-ru, libestools2.5"
else
  log "voice-debs: none found (a Russian box needs festival and festvox-ru installed already)"
fi

# --- Asterisk debs (optional) ----------------------------------------------------------
collect_debs() {
  local d
  for d in "${ASTERISK_DEBS_DIR:-}" "$ASTERISK_ROOT/var/cache/apt/archives"; do
    [ -n "$d" ] && ls "$d"/*.deb >/dev/null 2>&1 || continue
    mkdir -p "$OUT/debs"
    cp -u "$d"/*.deb "$OUT/debs/"
    log "debs: copied $(ls "$d"/*.deb | wc -l) from $d"
    return 0
  done
  return 1
}
if [ "${BUNDLE_ASTERISK_DEBS:-}" = download ]; then
  [ "$(id -u)" = 0 ] || die "BUNDLE_ASTERISK_DEBS=download needs root (chroot)"
  [ -x "$ASTERISK_ROOT/usr/bin/apt-get" ] || die "no sid root at $ASTERISK_ROOT (bash scripts/asterisk.sh build)"
  log "debs: downloading asterisk and its dependency closure inside $ASTERISK_ROOT"
  pkgs="$(chroot "$ASTERISK_ROOT" sh -c 'apt-cache depends --recurse --no-recommends --no-suggests \
      --no-conflicts --no-breaks --no-replaces --no-enhances asterisk asterisk-modules asterisk-config \
      | grep "^[a-z0-9]" | sort -u | tr "\n" " "')"
  mkdir -p "$ASTERISK_ROOT/tmp/appliance-debs"
  # shellcheck disable=SC2086
  chroot "$ASTERISK_ROOT" sh -c "cd /tmp/appliance-debs && apt-get download $pkgs" >/dev/null
  ASTERISK_DEBS_DIR="$ASTERISK_ROOT/tmp/appliance-debs" collect_debs
elif ! collect_debs; then
  rm -rf "$OUT/debs"
  log "debs: none found (Asterisk must be installed on the target already; see the header of this script)"
fi

# --- info and manifest -----------------------------------------------------------------
{
  echo "appliance bundle"
  echo "commit: $(git -C "$REPO_DIR" rev-parse HEAD 2>/dev/null || echo unknown)$(git -C "$REPO_DIR" diff --quiet HEAD 2>/dev/null || echo ' (with local changes)')"
  echo "python: $("$PY" -c 'import sys; print(sys.version.split()[0])')"
  echo "wheels: $(ls "$WH" | wc -l)"
  echo "models: $(cd "$OUT/models/cache" && ls | tr '\n' ' ')"
  echo "debs: $(ls "$OUT"/debs/*.deb 2>/dev/null | wc -l)"
} >"$OUT/BUNDLE_INFO"

# Hashes are cached by (path, size, mtime) so a re-run only hashes what changed.
HASH_CACHE="$OUT/.hashcache"
"$PY" - "$OUT" "$HASH_CACHE" <<'EOF'
import hashlib, json, os, sys
root, cache_path = sys.argv[1], sys.argv[2]
try:
    with open(cache_path) as fh:
        cache = json.load(fh)
except (OSError, ValueError):
    cache = {}
new, lines = {}, []
for dirpath, dirnames, filenames in os.walk(root):
    dirnames.sort()
    for name in filenames:
        path = os.path.join(dirpath, name)
        rel = os.path.relpath(path, root)
        if rel in ("MANIFEST.sha256", ".hashcache") or name.startswith(".hashcache"):
            continue
        st = os.stat(path)
        key = f"{st.st_size}:{st.st_mtime_ns}"
        hit = cache.get(rel)
        if hit and hit[0] == key:
            digest = hit[1]
        else:
            h = hashlib.sha256()
            with open(path, "rb") as fh:
                while block := fh.read(1 << 20):
                    h.update(block)
            digest = h.hexdigest()
        new[rel] = [key, digest]
        lines.append(f"{digest}  {rel}\n")
lines.sort(key=lambda line: line[66:])
with open(os.path.join(root, "MANIFEST.sha256.tmp"), "w") as fh:
    fh.writelines(lines)
os.replace(os.path.join(root, "MANIFEST.sha256.tmp"), os.path.join(root, "MANIFEST.sha256"))
with open(cache_path + ".tmp", "w") as fh:
    json.dump(new, fh)
os.replace(cache_path + ".tmp", cache_path)
EOF
log "bundle ready: $OUT ($(du -sh "$OUT" | cut -f1), $(wc -l <"$OUT/MANIFEST.sha256") files, $((SECONDS - t0)) s)"
