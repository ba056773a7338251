#!/usr/bin/env bash
# Install the Debian packages the product needs when they are missing: WeasyPrint's libraries (with
# libharfbuzz-subset0, without which a one-page Chinese PDF takes seconds instead of a third of a
# second), a CJK font with a real bold, poppler-utils to check PDFs, gettext for the translations.
#   scripts/sysdeps.sh            the product's packages
#   scripts/sysdeps.sh browser    also Chromium (browser tests) and pg_dump (backup tests): CI's second pass
#   scripts/sysdeps.sh bench      also wrk (the benchmark's load generator) and psql
# As root it installs them with apt; otherwise it names them and carries on.
set -u
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk poppler-utils gettext)
if [ "${1:-}" = "browser" ]; then packages+=(chromium postgresql-client); fi
if [ "${1:-}" = "bench" ]; then packages+=(wrk postgresql-client); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null && exit 0
  echo "apt-get could not install: ${missing[*]}" >&2
  exit 1
fi
cat >&2 <<MSG
WARNING: these Debian packages are missing and I am not root, so I cannot install them:
    ${missing[*]}
  Ask an administrator to run:  sudo apt-get install ${missing[*]}
  Without them PDF reports cannot be rendered (or render slowly), and translations cannot be compiled.
MSG
exit 0
