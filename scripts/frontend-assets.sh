#!/usr/bin/env bash
# Install the NHS.UK frontend (v10) and axe-core with npm into build/frontend/ and copy the files the
# web app serves into src/nhc/web/static/vendor/ (git-ignored: the styles are never committed).
# Idempotent: does nothing when the vendored files already match the pinned versions.
set -euo pipefail
cd "$(dirname "$0")/.."

NHSUK_VERSION="${NHSUK_VERSION:-^10}"
AXE_VERSION="${AXE_VERSION:-^4}"
BUILD=build/frontend
VENDOR=src/nhc/web/static/vendor
STAMP="$VENDOR/.installed"
WANT="nhsuk-frontend@${NHSUK_VERSION} axe-core@${AXE_VERSION}"

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" && -f "$VENDOR/nhsuk/nhsuk-frontend.min.css" \
      && -f "$BUILD/node_modules/axe-core/axe.min.js" ]]; then
  exit 0
fi

command -v npm >/dev/null || { echo "frontend-assets: npm is needed (apt-get install npm)" >&2; exit 1; }
mkdir -p "$BUILD"
if [[ ! -f "$BUILD/package.json" ]]; then
  printf '{\n  "name": "nhc-frontend-build",\n  "private": true\n}\n' > "$BUILD/package.json"
fi
(cd "$BUILD" && npm install --no-audit --no-fund --loglevel=error "nhsuk-frontend@${NHSUK_VERSION}" "axe-core@${AXE_VERSION}")

SRC="$BUILD/node_modules/nhsuk-frontend/dist/nhsuk"
[[ -f "$SRC/nhsuk-frontend.min.css" ]] || { echo "frontend-assets: unexpected nhsuk-frontend layout in $SRC" >&2; exit 1; }
rm -rf "$VENDOR"
mkdir -p "$VENDOR/nhsuk"
cp "$SRC"/nhsuk-frontend.min.css "$VENDOR/nhsuk/"
cp "$SRC"/nhsuk-frontend.min.js "$VENDOR/nhsuk/" 2>/dev/null || true
cp -r "$SRC/assets" "$VENDOR/nhsuk/assets"
cp "$BUILD/node_modules/axe-core/axe.min.js" "$VENDOR/axe.min.js"
echo "$WANT" > "$STAMP"
echo "frontend-assets: NHS.UK frontend $(node -p "require('./$BUILD/node_modules/nhsuk-frontend/package.json').version") copied to $VENDOR"
