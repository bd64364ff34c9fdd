#!/usr/bin/env bash
# Installs the project's dependencies exactly as the committed package-lock.json pins them.
#
# `npm ci` is tried first. On machines whose registry mirror lacks some optional, platform-specific
# packages (e.g. @unrs/resolver-binding-* for other OSes), npm ci refuses the lock file as "out of sync"
# even though nothing this platform needs is missing. We then fall back to `npm install`, which honours
# the lock for every entry it has, and fail if that install changed the lock: the result is still
# exactly the committed dependency tree.
set -euo pipefail
cd "$(dirname "$0")/.."

export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

# npm records the installed tree in node_modules/.package-lock.json; newer than the lock means current.
if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  echo "setup: node_modules is current with package-lock.json"
  exit 0
fi

if npm ci --no-audit --no-fund >/tmp/ecs-ami-refresher-npm-ci.log 2>&1; then
  echo "setup: installed with npm ci"
else
  echo "setup: npm ci refused the lock file (see /tmp/ecs-ami-refresher-npm-ci.log); installing from it with npm install"
  before=$(sha256sum package-lock.json)
  npm install --no-audit --no-fund
  after=$(sha256sum package-lock.json)
  if [ "$before" != "$after" ]; then
    echo "setup: npm install changed package-lock.json; the committed lock is stale. Run 'npx projen' and commit the lock." >&2
    git --no-pager diff --stat -- package-lock.json >&2 || true
    exit 1
  fi
  echo "setup: installed from the committed lock file (unchanged)"
fi
