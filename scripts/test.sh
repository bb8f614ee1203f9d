#!/usr/bin/env bash
# The full test suite: every tests/*.test.ts on Deno, then on Bun. Ends with one line
# "N passed, N failed" adding up both runtimes. Exit status is non-zero if anything failed,
# including a runner that crashed or hung (each runner is stopped after RUNNER_TIMEOUT s).
# Usage: scripts/test.sh [test files…]   (default: all of tests/)
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
mkdir -p .tmp
files=("$@")
[ ${#files[@]} -eq 0 ] && files=(tests/)
limit="${RUNNER_TIMEOUT:-900}"
rm -f .tmp/junit-deno.xml .tmp/junit-bun.xml

echo "== deno $(deno --version | head -1)"
timeout -k 10 "$limit" deno test -A --quiet --parallel --junit-path=.tmp/junit-deno.xml "${files[@]}"
deno_rc=$?
echo "== bun $(bun --version)"
timeout -k 10 "$limit" bun test --timeout 60000 --reporter=junit \
  --reporter-outfile=.tmp/junit-bun.xml "${files[@]}"
bun_rc=$?

node scripts/junit-summary.mjs "deno:$deno_rc:.tmp/junit-deno.xml" "bun:$bun_rc:.tmp/junit-bun.xml"
