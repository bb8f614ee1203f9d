#!/usr/bin/env bash
# The full test suite: every tests/*.test.ts on Deno, then on Bun, then the end-to-end files
# against the compiled binary and its persona symlinks. Ends with one line
# "N passed, N failed" adding everything up. Exit status is non-zero if anything failed,
# including a runner that crashed or hung (each runner is stopped after RUNNER_TIMEOUT s).
# Usage: scripts/test.sh [test files…]   (default: all of tests/)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export PATH="$PWD/node_modules/.bin:$PATH"
# The real clients the tests drive: installed when missing and this user may, else named.
bash scripts/clients.sh --install || exit 1
mkdir -p .tmp
files=("$@")
[ ${#files[@]} -eq 0 ] && files=(tests/)
limit="${RUNNER_TIMEOUT:-900}"
# Reports and the binary live in a directory of this run, so runs side by side cannot read
# each other's results; the reports are copied to .tmp/ at the end for a look afterwards.
run=$(mktemp -d "$PWD/.tmp/run.XXXXXX")
trap 'cp "$run"/junit-*.xml .tmp/ 2>/dev/null; rm -rf "$run"' EXIT

echo "== deno $(deno --version | head -1)"
timeout -k 10 "$limit" deno test -A --quiet --parallel --junit-path="$run/junit-deno.xml" "${files[@]}"
deno_rc=$?
echo "== bun $(bun --version)"
timeout -k 10 "$limit" bun test --timeout 60000 --reporter=junit \
  --reporter-outfile="$run/junit-bun.xml" "${files[@]}"
bun_rc=$?

# The end-to-end tests again, against the standalone binary and through each persona symlink
# (bun build --compile: works offline; the release binaries come from deno compile in CI).
reports=("deno:$deno_rc:$run/junit-deno.xml" "bun:$bun_rc:$run/junit-bun.xml")
if [ $# -eq 0 ] && [ "${MOCKSMTP_SKIP_BINARY:-}" != 1 ]; then
  bindir="$run/bin"
  mkdir -p "$bindir"
  echo "== compiled binary (bun build --compile)"
  bash scripts/compile.sh --bun "$bindir/mocksmtp" >/dev/null
  "$bindir/mocksmtp" link "$bindir" >/dev/null
  e2e=$(grep -lE "runCli|cliCommand|startSmtpmockCli|runCliToEnd|startDaemon|spawnInetd" tests/*.test.ts)
  # shellcheck disable=SC2086
  MOCKSMTP_BIN="$bindir/mocksmtp" timeout -k 10 "$limit" bun test --timeout 60000 \
    --reporter=junit --reporter-outfile="$run/junit-binary.xml" $e2e
  reports+=("binary:$?:$run/junit-binary.xml")
  echo "== persona symlinks ($bindir/{smtpmock,mockmta,msmtpd})"
  # shellcheck disable=SC2086
  PATH="$bindir:$PATH" MOCKSMTP_BIN="$bindir/mocksmtp" MOCKSMTP_VIA_LINKS=1 \
    timeout -k 10 "$limit" bun test --timeout 60000 \
    --reporter=junit --reporter-outfile="$run/junit-links.xml" $e2e
  reports+=("links:$?:$run/junit-links.xml")
fi

node scripts/junit-summary.mjs "${reports[@]}"
