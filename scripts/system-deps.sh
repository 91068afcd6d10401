#!/usr/bin/env bash
# Host Debian packages the appliance needs for development, tests and the demo:
#   debootstrap  builds the local Asterisk root (scripts/asterisk.sh build)
#   sip-tester   SIPp (binary "sipp"), places SIP test calls into Asterisk
#   espeak-ng    synthesises caller speech for tests
#   festival, festvox-ru  the Russian language pack's voice (msu_ru_nsh_clunits; tts.engine "festival")
#   sox          audio conversion in scripts and tests
#   libsndfile1  used by the Python audio stack
#   chromium     the real browser the admin-console tests drive (Playwright)
#   ansible      applies the provisioning playbook in tests (bundles community.general)
# Idempotent: installs only what is missing (one apt-get update first), and says
# nothing when everything is present. Run as root.
set -euo pipefail

PACKAGES=(debootstrap sip-tester espeak-ng festival festvox-ru sox libsndfile1 chromium ansible)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed'; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "system-deps.sh: missing packages: ${missing[*]}; run as root to install them" >&2
  exit 1
fi
echo "system-deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system-deps.sh: done" >&2
