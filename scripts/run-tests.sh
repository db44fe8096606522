#!/usr/bin/env bash
# Run the whole pytest suite. Fails when a test fails AND when no test ran (pytest exit code 5).
set -uo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
"$VENV/bin/python" -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "run-tests: pytest collected no tests — treating as a failure" >&2
  exit 1
fi
exit "$rc"
