#!/usr/bin/env bash
# install-deps.sh - install what Zhiliang needs to build, test and run,
# from Debian 12 packages only. Safe to run again (apt skips what is there).
# Runs apt-get as root, or through sudo when not root.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

PKGS=(build-essential pkg-config meson ninja-build clang libclang-rt-14-dev
      libsqlite3-dev sqlite3 libjansson-dev libssl-dev libmicrohttpd-dev
      libqrencode-dev libcmocka-dev curl jq wrk chromium xxd ca-certificates
      fonts-wqy-microhei python3)
# Node.js and npm run the JavaScript oracles (epcis2.js, digital-link.js)
# and the browser test; keep an existing Node.js installation.
if ! command -v node >/dev/null 2>&1; then PKGS+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then PKGS+=(npm); fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
