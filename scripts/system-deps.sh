#!/usr/bin/env bash
# Makes sure the Debian packages Stepbridge needs are present: installs them when run as
# root, otherwise prints the exact command and stops. Usage: system-deps.sh run|test
set -euo pipefail
want=()
python3 -c 'import ensurepip, venv' 2>/dev/null || want+=(python3-venv)
command -v dot >/dev/null 2>&1 || want+=(graphviz)
if [ "${1:-run}" = "test" ]; then
  [ -x /usr/bin/chromium ] || want+=(chromium)
  # The schema registry's code bindings are compiled in the tests: Go1, Java8, TypeScript3.
  command -v go >/dev/null 2>&1 || want+=(golang-go)
  command -v javac >/dev/null 2>&1 || want+=(default-jdk-headless)
  command -v npm >/dev/null 2>&1 || want+=(npm)
fi
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages: ${want[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${want[@]}" >/dev/null
else
  echo "Stepbridge needs these Debian packages: ${want[*]}" >&2
  echo "Install them with:  sudo apt-get install -y ${want[*]}" >&2
  exit 1
fi
