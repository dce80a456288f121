#!/usr/bin/env bash
# Installs the Debian packages listed in system-packages.txt that are missing.
# Called by `make install`; safe to re-run. Needs root (CI and the dev machines are root).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
while read -r package _; do
  [[ -z "$package" || "$package" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done < system-packages.txt
if ((${#missing[@]})); then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
