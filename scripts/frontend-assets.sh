#!/usr/bin/env bash
# Front-end files.
#
# The NHS.UK frontend's built CSS, JS and assets are committed in src/nhc/web/static/vendor/nhsuk/ (with its
# MIT licence and PROVENANCE.md), so `pip install nhc` then `nhc serve` is styled with no npm. This script:
#   * always: installs axe-core (tests only: accessibility checks in headless Chromium) into build/frontend/
#     and copies axe.min.js to src/nhc/web/static/vendor/ (git-ignored, never shipped);
#   * with --refresh-nhsuk: re-vendors the NHS.UK frontend at NHSUK_VERSION, removing its @font-face rules
#     (Frutiger is licensed to the NHS and served from assets.nhs.uk, which our CSP `font-src 'self'` refuses;
#     without the rules the stack falls back to Arial as the NHS.UK font stack intends, with no CSP errors).
# Idempotent: does nothing when axe is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."

NHSUK_VERSION="${NHSUK_VERSION:-10.6.1}"
AXE_VERSION="${AXE_VERSION:-^4}"
BUILD=build/frontend
VENDOR=src/nhc/web/static/vendor
REFRESH=0
[[ "${1:-}" == "--refresh-nhsuk" ]] && REFRESH=1

if [[ $REFRESH == 0 && -f "$BUILD/node_modules/axe-core/axe.min.js" && -f "$VENDOR/axe.min.js" ]]; then
  exit 0
fi

command -v npm >/dev/null || { echo "frontend-assets: npm is needed (apt-get install npm)" >&2; exit 1; }
mkdir -p "$BUILD"
if [[ ! -f "$BUILD/package.json" ]]; then
  printf '{\n  "name": "nhc-frontend-build",\n  "private": true\n}\n' > "$BUILD/package.json"
fi
PACKAGES=("axe-core@${AXE_VERSION}")
[[ $REFRESH == 1 ]] && PACKAGES+=("nhsuk-frontend@${NHSUK_VERSION}")
(cd "$BUILD" && npm install --no-audit --no-fund --loglevel=error "${PACKAGES[@]}")
cp "$BUILD/node_modules/axe-core/axe.min.js" "$VENDOR/axe.min.js"

if [[ $REFRESH == 1 ]]; then
  SRC="$BUILD/node_modules/nhsuk-frontend/dist/nhsuk"
  [[ -f "$SRC/nhsuk-frontend.min.css" ]] || { echo "frontend-assets: unexpected layout in $SRC" >&2; exit 1; }
  # LICENSE and PROVENANCE.md are kept by hand (the npm package ships no licence file)
  rm -rf "$VENDOR/nhsuk/assets" "$VENDOR/nhsuk/"*.min.* && mkdir -p "$VENDOR/nhsuk"
  sed -E 's/@font-face\{[^}]*\}//g' "$SRC/nhsuk-frontend.min.css" > "$VENDOR/nhsuk/nhsuk-frontend.min.css"
  cp "$SRC/nhsuk-frontend.min.js" "$VENDOR/nhsuk/"
  cp -r "$SRC/assets" "$VENDOR/nhsuk/assets"
  version=$(node -p "require('./$BUILD/node_modules/nhsuk-frontend/package.json').version")
  echo "frontend-assets: NHS.UK frontend $version vendored in $VENDOR/nhsuk (update PROVENANCE.md)"
fi
