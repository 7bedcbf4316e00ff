#!/usr/bin/env bash
# Install the system packages NHC needs when they are missing, through apt (Debian/Ubuntu).
# Usage: scripts/system-deps.sh demo|test
#   demo: Node.js/npm (to fetch the NHS.UK frontend styles) and Pango (WeasyPrint's text layout,
#         for the neighbourhood health plans as PDF)
#   test: also Java (Spark local mode), a PostgreSQL server (the operational store is tested on
#         it) and Chromium with its driver (pages are tested in a real headless browser)
set -euo pipefail

want=()
command -v npm >/dev/null 2>&1 || want+=(nodejs npm)
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so" || want+=(libpango-1.0-0 libpangoft2-1.0-0)
case "${1:-test}" in
  demo) ;;
  test)
    command -v java >/dev/null 2>&1 || want+=(openjdk-17-jre-headless)
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || want+=(postgresql)
    command -v chromium >/dev/null 2>&1 || want+=(chromium)
    command -v chromedriver >/dev/null 2>&1 || want+=(chromium-driver)
    ;;
  *) echo "usage: $0 demo|test" >&2; exit 2 ;;
esac

[ ${#want[@]} -eq 0 ] && exit 0

echo "Installing system packages: ${want[*]}"
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "error: need root (or sudo) to install: ${want[*]} — install them and run again" >&2; exit 2
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: no apt-get here; install these packages with your system's package manager: ${want[*]}" >&2
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
