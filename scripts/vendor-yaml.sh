#!/usr/bin/env bash
# Re-fetch the `yaml` library (YAML 1.2 parse/stringify, ISC licence) for the designer's YAML
# import, export and Code mode, at a pinned version, as browser-ready ES modules.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "$ROOT/scripts/vendor-npm.sh" "$ROOT/static/vendor/yaml" "yaml@2.9.1"
