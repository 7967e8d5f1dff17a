#!/usr/bin/env bash
# Start the whole stack on this machine (see deploy/README.md):
#   deploy/run-stack.sh --dir /srv/warmth-stack --port 8620 --replicas 2
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 deploy/stack.py "$@"
