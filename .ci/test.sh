#!/usr/bin/env bash
# Install everything the tests need, then run every test: lint, core, AppTest, browser.
# Usage: bash .ci/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's Chromium drives the browser tests (Playwright's own browser download is not
# reachable on our machines). Elsewhere set CHROMIUM=/path/to/chrome or run `playwright install`.
if [ -z "${CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
python -m ruff check .
# Every docstring example of the core runs, then every test.
python -m pytest -q --doctest-modules segmentation
python -m pytest "$@"
