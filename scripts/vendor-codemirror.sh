#!/usr/bin/env bash
# Re-fetch the designer's browser libraries from the npm registry at pinned versions (`npm pack`),
# keep each package's ES module files, LICENSE and VERSION, and write the import map the designer
# page loads them through (no bundler: the browser resolves the bare imports with the map).
# Usage: scripts/vendor-codemirror.sh   (needs node + npm; run from anywhere)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/static/vendor/codemirror"
PACKAGES=(
  "@codemirror/state@6.7.6"
  "@codemirror/view@6.43.15"
  "@codemirror/language@6.13.1"
  "@codemirror/streamparser@6.0.0"
  "@codemirror/commands@6.11.1"
  "@codemirror/search@6.7.2"
  "@codemirror/autocomplete@6.20.4"
  "@codemirror/lint@6.9.8"
  "@codemirror/lang-json@6.0.2"
  "@codemirror/lang-yaml@6.1.3"
  "@lezer/common@1.5.5"
  "@lezer/highlight@1.2.5"
  "@lezer/lr@1.4.12"
  "@lezer/json@1.0.3"
  "@lezer/yaml@1.0.4"
  "style-mod@4.1.5"
  "w3c-keyname@2.2.8"
  "crelt@1.0.7"
  "@marijn/find-cluster-break@1.0.4"
)
bash "$ROOT/scripts/vendor-npm.sh" "$DEST" "${PACKAGES[@]}"
