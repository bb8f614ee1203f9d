#!/usr/bin/env bash
# The full test suite: every tests/*.test.ts on Deno, then on Bun. Ends with one line
# "N passed, N failed" adding up both runtimes. Exit status is non-zero if anything failed.
# Usage: scripts/test.sh [test files…]   (default: all of tests/)
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
mkdir -p .tmp
files=("$@")
[ ${#files[@]} -eq 0 ] && files=(tests/)

status=0
echo "== deno $(deno --version | head -1)"
deno test -A --quiet --parallel --junit-path=.tmp/junit-deno.xml "${files[@]}" || status=1
echo "== bun $(bun --version)"
bun test --timeout 60000 --reporter=junit --reporter-outfile=.tmp/junit-bun.xml "${files[@]}" || status=1

summary=$(node scripts/junit-summary.mjs .tmp/junit-deno.xml .tmp/junit-bun.xml) || status=1
echo "$summary"
exit $status
