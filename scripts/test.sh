#!/usr/bin/env bash
# The README's second command: set up, lint, type-check and run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)  # console browser tests
# Two workers (this machine has two cores); each test file stays on one worker, so a file's
# module-scoped servers and browser start once. HYPOTHESIS_PROFILE=ci (.ci/run) derandomises.
.venv/bin/python -m pytest -n 2 --dist loadfile "$@"
