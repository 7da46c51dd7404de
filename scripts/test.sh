#!/usr/bin/env bash
# The whole test suite: set-up, type-check, lint, workflow bundle (built once), one Temporal dev
# server for the run, then every test file on node's runner against real Temporal and real PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh --quiet

echo "== type-check"; npx tsc --noEmit
# The dashboard's client is typed from the API's OpenAPI document as it is now: a route change that breaks a page fails here.
echo "== type-check web"; bash scripts/web.sh types && npx tsc -p web
echo "== lint"; npx eslint . --max-warnings=0

export TEST_DATA_DIR="${TEST_DATA_DIR:-.data/test}"
mkdir -p "$TEST_DATA_DIR"
echo "== workflow bundle"; npx tsx scripts/build-workflow-bundle.ts "$TEST_DATA_DIR/workflow-bundle.js"
export TEST_WORKFLOW_BUNDLE="$PWD/$TEST_DATA_DIR/workflow-bundle.js"

# A free port for this run's dev server (in memory, headless; continue-as-new suggested early so
# the tests exercise it with few leads).
port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
.venv/bin/temporal server start-dev --ip 127.0.0.1 --port "$port" --headless --log-level error \
  --search-attribute CampaignId=Keyword --search-attribute OrganizationId=Keyword --search-attribute LeadId=Keyword \
  --dynamic-config-value limit.historyCount.suggestContinueAsNew=400 \
  > "$TEST_DATA_DIR/temporal-dev-server.log" 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true; wait $server_pid 2>/dev/null || true' EXIT
export TEST_TEMPORAL_ADDRESS="127.0.0.1:$port"
for _ in $(seq 1 200); do
  (echo > /dev/tcp/127.0.0.1/"$port") 2>/dev/null && break
  sleep 0.1
done

echo "== tests"
files=$(find test src -name '*.test.ts' -not -name '*.browser.test.ts' -not -path '*/node_modules/*' | sort)
browser=$(find test -name '*.browser.test.ts' -not -path '*/node_modules/*' | sort)
status=0
# shellcheck disable=SC2086
node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout=600000 $files || status=$?
# The browser tests read the screen of a real Chromium against the real product. Beside the engine tests
# on 2 cores the page starves (clean-clone runs saw the builder's canvas lose its steps), so they run
# after the rest, one at a time.
echo "== browser tests"
# shellcheck disable=SC2086
node --import tsx --test --test-concurrency=1 --test-timeout=600000 $browser || status=$?
exit $status
