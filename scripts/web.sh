#!/usr/bin/env bash
# The web dashboard (web/): `types` regenerates its typed API client from the product's own OpenAPI
# document; `build` (the default) also builds it into web/dist, which the API serves at /app.
# The build is skipped when web/'s sources and the lock file are unchanged since the last one.
set -euo pipefail
cd "$(dirname "$0")/.."

types() {
  npx tsx scripts/dump-openapi.ts web/openapi.json
  npx openapi-typescript web/openapi.json -o web/src/api-types.ts --silent
}

case "${1:-build}" in
  types) types ;;
  build)
    stamp=web/dist/.sources-sha
    sha=$( (find web -path web/dist -prune -o -path web/src/api-types.ts -prune -o -name openapi.json -prune -o -type f -print | sort | xargs sha256sum; sha256sum package-lock.json) | sha256sum | cut -d' ' -f1)
    if [ -f web/dist/index.html ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sha" ]; then exit 0; fi
    echo "setup: building the web dashboard (web/ -> web/dist)"
    [ -f web/src/api-types.ts ] || types
    npx vite build --config web/vite.config.ts
    echo "$sha" > "$stamp"
    ;;
  *) echo "usage: scripts/web.sh [types|build]" >&2; exit 2 ;;
esac
