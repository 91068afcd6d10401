#!/usr/bin/env bash
# Local Asterisk for development, tests, CI and the demo.
#
# Asterisk 22 is not packaged for the host release, so we debootstrap a Debian sid
# root that has it once, cache it outside the checkout, and run Asterisk chrooted into
# it with our own minimal configs (templates in asterisk/ at the repo root).
#
#   scripts/asterisk.sh build     build the root once (no-op when it is complete)
#   scripts/asterisk.sh up        render configs, start Asterisk, wait for ARI (idempotent)
#   scripts/asterisk.sh down      stop Asterisk (core stop now, then signals)
#   scripts/asterisk.sh restart   down + up
#   scripts/asterisk.sh status    exit 0 when ARI answers with our credentials
#   scripts/asterisk.sh env       print the env file (ARI_URL, ARI_PASSWORD, ...)
#
# Environment (all optional):
#   APPLIANCE_CACHE_DIR   cache root (default $HOME/.cache/offline-appliance)
#   ASTERISK_ROOT         chroot dir (default $APPLIANCE_CACHE_DIR/asterisk-root)
#   ASTERISK_STATE_DIR    pid, password, env file, console log (default .../asterisk-state)
#   APPLIANCE_DEBIAN_MIRROR  mirror for debootstrap (default: read from the host's apt sources)
#   ARI_BIND (127.0.0.1) ARI_PORT (8088) ARI_USERNAME (appliance) ARI_APP (appliance)
#   SIP_HOST (127.0.0.1) SIP_PORT (5060) TRUNK_IP (127.0.0.1) TRUNK_PORT (5080, where
#     outbound calls to the trunk go)
#   RTP_START (10000) RTP_END (10999) ASTERISK_UP_TIMEOUT (60 seconds)
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEMPLATE_DIR="${ASTERISK_TEMPLATE_DIR:-$REPO_DIR/asterisk}"
CACHE_DIR="${APPLIANCE_CACHE_DIR:-$HOME/.cache/offline-appliance}"
ROOT="${ASTERISK_ROOT:-$CACHE_DIR/asterisk-root}"
STATE="${ASTERISK_STATE_DIR:-$CACHE_DIR/asterisk-state}"
SUITE="${ASTERISK_SUITE:-sid}"
PACKAGES="asterisk,asterisk-modules,asterisk-config"
COMPLETE_MARK=".appliance-root-complete"

ARI_BIND="${ARI_BIND:-127.0.0.1}"
ARI_PORT="${ARI_PORT:-8088}"
ARI_USERNAME="${ARI_USERNAME:-appliance}"
ARI_APP="${ARI_APP:-appliance}"
SIP_HOST="${SIP_HOST:-127.0.0.1}"
SIP_PORT="${SIP_PORT:-5060}"
TRUNK_IP="${TRUNK_IP:-127.0.0.1}"
TRUNK_PORT="${TRUNK_PORT:-5080}"
RTP_START="${RTP_START:-10000}"
RTP_END="${RTP_END:-10999}"
UP_TIMEOUT="${ASTERISK_UP_TIMEOUT:-60}"

PID_FILE="$STATE/asterisk.pid"
PASS_FILE="$STATE/ari-password"
ENV_FILE="$STATE/asterisk.env"
CONSOLE_LOG="$STATE/asterisk.console.log"
ARI_URL="http://$ARI_BIND:$ARI_PORT"

log() { echo "asterisk.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

need_root() {
  [ "$(id -u)" = 0 ] || die "must run as root (debootstrap and chroot need it)"
}

root_complete() {
  [ -f "$ROOT/$COMPLETE_MARK" ] && [ -x "$ROOT/usr/sbin/asterisk" ]
}

# Unmount everything below a directory (deepest first); used before deleting a
# half-built root that debootstrap may have left /proc or /sys mounted in.
umount_below() {
  local dir mnt
  dir="$(readlink -f "$1")"
  { awk '{print $2}' /proc/mounts | grep -E "^${dir//./\\.}(/|$)" || true; } | sort -r | while read -r mnt; do
    umount -l "$mnt" 2>/dev/null || true
  done
}

# The Debian mirror the host already uses, so the repo never names a mirror host.
# deb822 files (*.sources, "URIs:" lines) first, then classic "deb URL suite" lines;
# security and third-party sources are skipped.
detect_mirror() {
  if [ -n "${APPLIANCE_DEBIAN_MIRROR:-}" ]; then echo "$APPLIANCE_DEBIAN_MIRROR"; return; fi
  local f uri
  local debian_suites='(^|[[:space:]])(sid|unstable|testing|stable|oldstable|forky|trixie|bookworm|bullseye)([-[:space:]]|$)'
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri="$(awk -v re="$debian_suites" '
      function flush() { if (uris != "" && suites ~ re && suites !~ /security/ && types ~ /(^| )deb( |$)/ && !done) { split(uris, u, " "); print u[1]; done = 1 }
                         uris = ""; suites = ""; types = "" }
      /^[[:space:]]*$/ { flush(); next }
      /^URIs:/   { sub(/^URIs:[[:space:]]*/, ""); uris = $0 }
      /^Suites:/ { sub(/^Suites:[[:space:]]*/, ""); suites = $0 }
      /^Types:/  { sub(/^Types:[[:space:]]*/, ""); types = $0 }
      END { flush() }' "$f")"
    if [ -n "$uri" ]; then echo "$uri"; return; fi
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    # deb [options] URL suite components...
    uri="$(sed -E -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" | awk -v re="$debian_suites" '
      $1 == "deb" && $3 !~ /security/ && (" " $3 " ") ~ re { print $2; exit }')"
    if [ -n "$uri" ]; then echo "$uri"; return; fi
  done
  die "no Debian mirror found in /etc/apt sources; set APPLIANCE_DEBIAN_MIRROR"
}

cmd_build() {
  if root_complete; then
    log "root ready at $ROOT"
    return 0
  fi
  need_root
  command -v debootstrap >/dev/null || die "debootstrap missing (run scripts/system-deps.sh)"
  local mirror tmp old
  mirror="$(detect_mirror)"
  mkdir -p "$(dirname "$ROOT")"
  # Leftovers of interrupted builds (and an incomplete root) are never reused.
  for old in "$ROOT".tmp.* "$ROOT"; do
    [ -e "$old" ] || continue
    [ "$old" = "$ROOT" ] && root_complete && continue
    log "removing incomplete build $old"
    umount_below "$old"
    rm -rf --one-file-system "$old"
  done
  tmp="$ROOT.tmp.$$"
  log "debootstrap $SUITE from $mirror into $tmp (takes a minute or two)"
  if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$tmp" "$mirror" \
      >"$CACHE_DIR/asterisk-debootstrap.log" 2>&1; then
    tail -n 30 "$CACHE_DIR/asterisk-debootstrap.log" >&2 || true
    umount_below "$tmp"
    die "debootstrap failed (full log: $CACHE_DIR/asterisk-debootstrap.log)"
  fi
  umount_below "$tmp"
  [ -x "$tmp/usr/sbin/asterisk" ] || die "debootstrap finished but $tmp has no /usr/sbin/asterisk"
  # Keep the package's stock configs for reference; up replaces /etc/asterisk.
  [ -d "$tmp/etc/asterisk.dist" ] || cp -a "$tmp/etc/asterisk" "$tmp/etc/asterisk.dist"
  rm -rf "$tmp/var/cache/apt/archives/"*.deb
  chroot "$tmp" /usr/sbin/asterisk -V >"$tmp/$COMPLETE_MARK"
  mv -T "$tmp" "$ROOT"
  log "root ready at $ROOT ($(cat "$ROOT/$COMPLETE_MARK"))"
}

pid_alive() {
  local pid
  [ -f "$PID_FILE" ] || return 1
  pid="$(cat "$PID_FILE")"
  [ -n "$pid" ] && [ -d "/proc/$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = asterisk ]
}

# Asterisk processes running inside our root (and only ours): matched by their
# root directory, so a stray one is found even when the pid file is gone.
our_pids() {
  local p r real
  real="$(readlink -f "$ROOT")"
  for p in /proc/[0-9]*; do
    [ "$(cat "$p/comm" 2>/dev/null)" = asterisk ] || continue
    r="$(readlink "$p/root" 2>/dev/null)" || continue
    [ "$r" = "$real" ] && echo "${p#/proc/}"
  done
  return 0
}

ari_password() {
  cat "$PASS_FILE"
}

ari_ok() {
  [ -f "$PASS_FILE" ] || return 1
  curl -fsS -m 3 -o /dev/null -u "$ARI_USERNAME:$(ari_password)" "$ARI_URL/ari/asterisk/info" 2>/dev/null
}

ensure_password() {
  mkdir -p "$STATE"
  chmod 0700 "$STATE"
  if [ ! -s "$PASS_FILE" ]; then
    (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$PASS_FILE")
  fi
  chmod 0600 "$PASS_FILE"
}

render_configs() {
  local etc="$ROOT/etc/asterisk" tpl name playback
  [ -d "$TEMPLATE_DIR" ] || die "template dir $TEMPLATE_DIR missing"
  # The operator extension plays a stock prompt when the sound package came with the
  # root, else a tone; either is audible in the demo for up to 60 s.
  if ls "$ROOT"/usr/share/asterisk/sounds/en/demo-congrats.* >/dev/null 2>&1; then
    playback="Playback(demo-congrats)"
  else
    playback="Milliwatt()"
  fi
  rm -rf "$etc.new"
  mkdir -p "$etc.new"
  for tpl in "$TEMPLATE_DIR"/*.conf; do
    name="$(basename "$tpl")"
    sed -e "s|@ARI_BIND@|$ARI_BIND|g" \
        -e "s|@ARI_PORT@|$ARI_PORT|g" \
        -e "s|@ARI_USERNAME@|$ARI_USERNAME|g" \
        -e "s|@ARI_PASSWORD@|$(ari_password)|g" \
        -e "s|@ARI_APP@|$ARI_APP|g" \
        -e "s|@SIP_HOST@|$SIP_HOST|g" \
        -e "s|@SIP_PORT@|$SIP_PORT|g" \
        -e "s|@TRUNK_IP@|$TRUNK_IP|g" \
        -e "s|@TRUNK_PORT@|$TRUNK_PORT|g" \
        -e "s|@RTP_START@|$RTP_START|g" \
        -e "s|@RTP_END@|$RTP_END|g" \
        -e "s|@OPERATOR_PLAYBACK@|$playback|g" \
        "$tpl" >"$etc.new/$name"
  done
  if grep -l '@[A-Z_]*@' "$etc.new"/*.conf >/dev/null 2>&1; then
    die "unrendered placeholder in: $(grep -l '@[A-Z_]*@' "$etc.new"/*.conf | tr '\n' ' ')"
  fi
  rm -rf "$etc"
  mv -T "$etc.new" "$etc"
  # ari.conf holds the password: readable by the asterisk user only.
  chroot "$ROOT" chown -R root:asterisk /etc/asterisk
  chmod 0750 "$etc"
  chmod 0640 "$etc"/*.conf
}

# /dev nodes the chroot needs; mknod works as root here, bind-mounting single files
# is the fallback. /dev is never bind-mounted whole (an rm -rf of the root would
# then reach the host's /dev).
prepare_dev() {
  local spec name major minor
  mkdir -p "$ROOT/dev"
  for spec in null:1:3 zero:1:5 random:1:8 urandom:1:9; do
    IFS=: read -r name major minor <<<"$spec"
    [ -c "$ROOT/dev/$name" ] && continue
    rm -f "$ROOT/dev/$name"
    if mknod -m 0666 "$ROOT/dev/$name" c "$major" "$minor" 2>/dev/null; then continue; fi
    touch "$ROOT/dev/$name"
    mount --bind "/dev/$name" "$ROOT/dev/$name" || die "cannot create $ROOT/dev/$name"
  done
}

prepare_dirs() {
  mkdir -p "$ROOT/run/asterisk" "$ROOT/var/lib/asterisk" "$ROOT/var/log/asterisk" "$ROOT/var/spool/asterisk"
  chroot "$ROOT" chown -R asterisk:asterisk /run/asterisk /var/lib/asterisk /var/log/asterisk /var/spool/asterisk
}

start_asterisk() {
  local -a run=(chroot "$ROOT" /usr/sbin/asterisk -f -n -U asterisk -G asterisk -C /etc/asterisk/asterisk.conf)
  : >"$CONSOLE_LOG"
  # Preferred: a private mount namespace, so /proc is mounted for Asterisk only and
  # vanishes with it. Fallback: mount /proc in the host namespace (down unmounts it).
  if unshare --mount --propagation private true 2>/dev/null; then
    setsid unshare --mount --propagation private \
      sh -c 'mount -t proc proc "$1/proc" 2>/dev/null || mount --rbind /proc "$1/proc" 2>/dev/null || true; shift; exec "$@"' \
      sh "$ROOT" "${run[@]}" </dev/null >>"$CONSOLE_LOG" 2>&1 &
  else
    if ! mountpoint -q "$ROOT/proc"; then
      mount -t proc proc "$ROOT/proc" 2>/dev/null || mount --rbind /proc "$ROOT/proc" 2>/dev/null \
        || log "warning: no /proc in the chroot"
    fi
    setsid "${run[@]}" </dev/null >>"$CONSOLE_LOG" 2>&1 &
  fi
  local pid=$! i
  echo "$pid" >"$PID_FILE"
  # setsid, unshare, sh and chroot each exec the next; wait until the pid is Asterisk
  # itself, so pid_alive does not mistake the exec chain for a dead process.
  for i in $(seq 1 100); do
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = asterisk ] && return 0
    [ -d "/proc/$pid" ] || return 0
    sleep 0.05
  done
}

write_env() {
  local tmp="$ENV_FILE.tmp"
  (umask 077; cat >"$tmp" <<EOF
ARI_URL=$ARI_URL
ARI_USERNAME=$ARI_USERNAME
ARI_PASSWORD=$(ari_password)
ARI_APP=$ARI_APP
SIP_HOST=$SIP_HOST
SIP_PORT=$SIP_PORT
TRUNK_PORT=$TRUNK_PORT
ASTERISK_ROOT=$ROOT
EOF
  )
  mv -f "$tmp" "$ENV_FILE"
}

show_logs() {
  log "Asterisk did not come up; console log ($CONSOLE_LOG):"
  tail -n 20 "$CONSOLE_LOG" >&2 2>/dev/null || true
  log "tail of $ROOT/var/log/asterisk/messages.log:"
  tail -n 40 "$ROOT/var/log/asterisk/messages.log" >&2 2>/dev/null || true
}

wait_for_ari() {
  local deadline=$((SECONDS + UP_TIMEOUT))
  while [ $SECONDS -lt $deadline ]; do
    if ari_ok; then return 0; fi
    if ! pid_alive; then
      show_logs
      log "Asterisk exited during startup"
      return 1
    fi
    sleep 0.5
  done
  show_logs
  return 1
}

cmd_up() {
  need_root
  root_complete || die "no Asterisk root at $ROOT; run: bash scripts/asterisk.sh build"
  if pid_alive && ari_ok; then
    # Templates may have changed since it started: re-render and reload if they did.
    local before after
    before="$(cat "$ROOT"/etc/asterisk/*.conf 2>/dev/null | sha256sum)"
    render_configs
    after="$(cat "$ROOT"/etc/asterisk/*.conf 2>/dev/null | sha256sum)"
    if [ "$before" != "$after" ]; then
      timeout -k 2 15 chroot "$ROOT" /usr/sbin/asterisk -rx "core reload" </dev/null >/dev/null 2>&1 || true
      log "configs changed: reloaded"
    fi
    write_env
    log "already up: $ARI_URL"
    return 0
  fi
  # A process that is running but not answering (or a stray one) is restarted.
  if pid_alive || [ -n "$(our_pids)" ]; then cmd_down; fi
  ensure_password
  render_configs
  prepare_dev
  prepare_dirs
  start_asterisk
  if ! wait_for_ari; then
    cmd_down
    die "ARI did not answer at $ARI_URL within ${UP_TIMEOUT}s"
  fi
  write_env
  log "up: ARI $ARI_URL (user $ARI_USERNAME, app $ARI_APP), SIP udp $SIP_HOST:$SIP_PORT, pid $(cat "$PID_FILE")"
}

cmd_down() {
  local pids i
  pids="$( (cat "$PID_FILE" 2>/dev/null; our_pids) | sort -u | while read -r p; do
    [ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = asterisk ] && echo "$p"; done || true)"
  if [ -n "$pids" ] && [ -x "$ROOT/usr/sbin/asterisk" ]; then
    timeout -k 2 8 chroot "$ROOT" /usr/sbin/asterisk -rx "core stop now" </dev/null >/dev/null 2>&1 || true
    for i in $(seq 1 50); do
      pids="$(for p in $pids; do [ -d "/proc/$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = asterisk ] && echo "$p"; done || true)"
      [ -z "$pids" ] && break
      [ "$i" = 30 ] && kill -TERM $pids 2>/dev/null || true
      sleep 0.2
    done
    if [ -n "$pids" ]; then
      log "killing stuck Asterisk ($pids)"
      kill -KILL $pids 2>/dev/null || true
      sleep 0.5
    fi
  fi
  if [ -n "$(our_pids)" ]; then die "Asterisk processes still running: $(our_pids | tr '\n' ' ')"; fi
  rm -f "$PID_FILE" "$ROOT/run/asterisk/asterisk.ctl" "$ROOT/run/asterisk/asterisk.pid"
  # Fallback /proc mount (only made when unshare was unavailable).
  if [ -d "$ROOT/proc" ] && mountpoint -q "$ROOT/proc"; then umount -l "$ROOT/proc" || true; fi
  log "down"
}

cmd_status() {
  if pid_alive && ari_ok; then
    echo "up: $ARI_URL pid $(cat "$PID_FILE")"
    return 0
  fi
  echo "down"
  return 1
}

cmd_env() {
  [ -f "$ENV_FILE" ] || die "no env file ($ENV_FILE); run: bash scripts/asterisk.sh up"
  cat "$ENV_FILE"
}

case "${1:-}" in
  build) cmd_build ;;
  up) cmd_up ;;
  down) cmd_down ;;
  restart) cmd_down; cmd_up ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *) echo "usage: $0 build|up|down|restart|status|env" >&2; exit 2 ;;
esac
