#!/usr/bin/env bash
# Benchmark of `mocksmtp smtpmock`, with postfix's smtp-sink as the reference in the same run,
# driven by postfix's smtp-source. Only 127.0.0.1 is used; every process started here is killed
# on exit. Prints Markdown tables (also kept in .tmp/bench.md).
#
# Throughput, BENCH_ROUNDS rounds of smtp-sink, `bun run cli.ts` and `deno run -A cli.ts`:
#   (a) new connection per message, BENCH_SESSIONS sessions, BENCH_SIZE-byte body  -> msg/s
#   (b) the same over kept-alive sessions (smtp-source -d)                          -> msg/s
# Each documented way to start the server (BENCH_WAYS), once each:
#   (c) server VmRSS / VmHWM / RssAnon after BENCH_MSGS messages as in (a)          -> MiB
#   (d) VmRSS growth per idle, greeted connection (BENCH_IDLE of them)              -> KiB
#   (e) exec -> first 220 greeting, median of BENCH_STARTS runs, next to the bare
#       runtime floors (a node:net listener on Bun, a Deno.listen loop on Deno)     -> ms
#
# Usage: scripts/bench.sh   (deno task bench; takes one to two minutes)
#        scripts/bench.sh serve   the serve persona's benchmark (scripts/bench/serve.sh)
# Environment: BENCH_ROUNDS=5 BENCH_MSGS=20000 BENCH_SESSIONS=50 BENCH_SIZE=1024
#              BENCH_IDLE=1000 BENCH_STARTS=15 BENCH_SERVERS="sink bun deno"
#              BENCH_WAYS="bin bun deno deno-url deno-noflag"
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${1:-}" = serve ] && exec bash scripts/bench/serve.sh
export PATH="$PWD/node_modules/.bin:$PATH:/usr/sbin:/sbin"

ROUNDS=${BENCH_ROUNDS:-5}
MSGS=${BENCH_MSGS:-20000}
SESSIONS=${BENCH_SESSIONS:-50}
SIZE=${BENCH_SIZE:-1024}
IDLE=${BENCH_IDLE:-1000}
STARTS=${BENCH_STARTS:-15}
read -ra SERVERS <<<"${BENCH_SERVERS:-sink bun deno}"
read -ra WAYS <<<"${BENCH_WAYS:-bin bun deno deno-url deno-noflag}"
PROBE="python3 scripts/bench/net_probe.py"
# smtp-sink refuses to run as root without a user to switch to, and cannot switch otherwise.
SINK_USER=()
[ "$(id -u)" = 0 ] && SINK_USER=(-u nobody)

missing=()
for tool in smtp-source smtp-sink; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if ((${#missing[@]})); then
  cat >&2 <<EOF
bench: ${missing[*]} not found (expected in /usr/sbin). They ship with Debian's postfix; install
it without configuring or starting the mail daemon:
  echo 'postfix postfix/main_mailer_type select No configuration' | sudo debconf-set-selections
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y postfix
  sudo systemctl disable --now postfix   # only if your system started it
EOF
  exit 1
fi
for tool in deno bun python3 timeout; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not found (run npm ci)" >&2; exit 1; }
done

# 1,000 idle connections plus the listener need more than the common 1024 descriptors.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

mkdir -p .tmp
RESULTS=.tmp/bench-results.txt
LOG=.tmp/bench.log
: >"$RESULTS"
: >"$LOG"

BIN=.tmp/bench-bin/mocksmtp
# `deno run <url>` is served from this checkout on a local port (raw.githubusercontent.com's
# stand-in), with its own module cache so the user's is left alone.
URL_PORT=$($PROBE free-port)
export DENO_DIR_URL=.tmp/bench-deno-dir

# The one server running at any time; cleared once reaped, so a recycled PID is never hit.
SERVER_PID=""
URL_SERVER_PID=""
cleanup() {
  for pid in "$SERVER_PID" "$URL_SERVER_PID"; do
    [ -n "$pid" ] || continue
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# server_cmd NAME: sets CMD to the command line of server NAME, "{port}" for its port.
# Server names: sink (the reference), floor-bun and floor-deno (start-up floors), and the
# documented ways to start mocksmtp smtpmock:
#   bin        the standalone binary (also what the GitHub Action runs), built by
#              scripts/compile.sh --bun
#   bun        bun run cli.ts smtpmock                         (README, from a clone)
#   deno       deno run -A --v8-flags=… cli.ts smtpmock        (README from a clone, npm start,
#              deno task start: measured as the command they run, the task runner being a parent)
#   deno-url   MALLOC_ARENA_MAX=1 deno run -A --v8-flags=… http://…/cli.ts …  (README, no install)
#   deno-noflag deno run -A cli.ts smtpmock                    (not documented: what the flag saves)
server_cmd() {
  case $1 in
    sink) CMD=(smtp-sink "${SINK_USER[@]}" -m 2000 "127.0.0.1:{port}" 2000) ;;
    floor-bun) CMD=(bun scripts/bench/floor_bun.mjs "{port}") ;;
    floor-deno) CMD=(deno run -A scripts/bench/floor_deno.ts "{port}") ;;
    bin) CMD=("$BIN" smtpmock "-port={port}") ;;
    bun) CMD=(bun run cli.ts smtpmock "-port={port}") ;;
    deno) CMD=(deno run -A "${DENO_FLAGS[@]}" cli.ts smtpmock "-port={port}") ;;
    deno-url)
      CMD=(env DENO_DIR="$DENO_DIR_URL" "${URL_ENV[@]}" deno run -A "${DENO_FLAGS[@]}"
        "http://127.0.0.1:$URL_PORT/cli.ts" smtpmock "-port={port}")
      ;;
    deno-noflag) CMD=(deno run -A cli.ts smtpmock "-port={port}") ;;
    *)
      echo "bench: unknown server '$1'" >&2
      exit 2
      ;;
  esac
}

# The flags `deno task smtpmock` (and README's smtpmock lines) give `deno run` (V8's memory flags,
# lazy dynamic imports), read from deno.json so they cannot drift.
read -ra DENO_FLAGS <<<"$(python3 scripts/bench/task_flags.py smtpmock)"
# The environment assignments (NAME=VALUE words) README's smtpmock URL line puts before `deno`.
read -ra URL_ENV <<<"$(awk '/readme-test: deno-run/ { on = 1 }
  on && /(^| )deno run / { for (i = 1; $i != "deno"; i++) printf "%s ", $i; exit }' README.md)"

# start_server NAME PORT: starts server NAME on 127.0.0.1:PORT, waits for its greeting.
start_server() {
  server_cmd "$1"
  # deno-url's command starts with env, which execs deno: SERVER_PID is still the server.
  exec "${CMD[@]//\{port\}/$2}" >/dev/null 2>>"$LOG" &
  SERVER_PID=$!
  if ! $PROBE wait-ready "$2" 20; then
    echo "bench: $1 did not greet on port $2 (see $LOG)" >&2
    exit 1
  fi
}

stop_server() {
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

record() { echo "$1 $2 $3" >>"$RESULTS"; }

# drive NAME PORT METRIC [smtp-source flags]: sends MSGS messages, records msg/s.
drive() {
  local name=$1 port=$2 metric=$3
  shift 3
  local t0 t1
  t0=$(date +%s%N)
  if ! timeout 300 smtp-source "$@" -c -s "$SESSIONS" -m "$MSGS" -l "$SIZE" -M bench.example.com \
    -f a@example.com -t b@example.com "127.0.0.1:$port" >/dev/null 2>>"$LOG"; then
    echo "bench: smtp-source failed against $name (see $LOG)" >&2
    exit 1
  fi
  t1=$(date +%s%N)
  record "$name" "$metric" "$(awk -v n="$MSGS" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", n / (ns / 1e9) }')"
}

record_rss() { # NAME SUFFIX
  local out rss hwm anon
  out=$($PROBE rss "$SERVER_PID")
  read -r rss hwm anon <<<"$out"
  record "$1" "rss_$2" "$rss"
  [ "$2" = 20k ] && record "$1" hwm_20k "$hwm" && record "$1" anon_20k "$anon"
  return 0
}

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
echo "# mocksmtp smtpmock benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) × $cpu, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
echo "versions: deno $(deno --version | head -1 | cut -d' ' -f2), bun $(bun --version)," \
  "postfix $(dpkg-query -W -f='${Version}' postfix 2>/dev/null || echo '?')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (anything else running skews the figures)"
echo "work: $ROUNDS rounds × $MSGS messages of $SIZE bytes over $SESSIONS sessions;" \
  "$IDLE idle connections; $STARTS starts"
echo

for round in $(seq "$ROUNDS"); do
  for name in "${SERVERS[@]}"; do
    echo "round $round/$ROUNDS: $name" >&2
    port=$($PROBE free-port)
    start_server "$name" "$port"
    drive "$name" "$port" conn_msgs
    drive "$name" "$port" keep_msgs -d
    stop_server
  done
done

# The binary as the test suite and the release fallback build it (stamped, --bun flags).
if [[ " ${WAYS[*]} " == *" bin "* ]]; then
  echo "building $BIN" >&2
  bash scripts/compile.sh --bun "$BIN" >/dev/null 2>>"$LOG"
fi
if [[ " ${WAYS[*]} " == *" deno-url "* ]]; then
  rm -rf "$DENO_DIR_URL"
  $PROBE serve "$PWD" "$URL_PORT" 2>>"$LOG" &
  URL_SERVER_PID=$!
fi

for name in "${WAYS[@]}"; do
  echo "memory: $name" >&2
  port=$($PROBE free-port)
  start_server "$name" "$port"
  drive "$name" "$port" way_conn_msgs
  record_rss "$name" 20k
  stop_server
  port=$($PROBE free-port)
  start_server "$name" "$port"
  out=$($PROBE idle "$SERVER_PID" "$port" "$IDLE")
  read -r before after <<<"$out"
  record "$name" idle_kib "$(awk -v b="$before" -v a="$after" -v n="$IDLE" 'BEGIN { printf "%.2f", (a - b) / n }')"
  stop_server
done

# Start-up: the floors right before the ways, within the same minute, so a ratio to a floor
# compares two figures taken under the same load.
for name in floor-bun floor-deno sink "${WAYS[@]}"; do
  echo "start-up: $name" >&2
  server_cmd "$name"
  out=$(python3 scripts/bench/first_reply.py "$STARTS" "${CMD[@]}")
  read -r median _ <<<"$out"
  record "$name" start_ms "$median"
done

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
python3 scripts/bench/report.py "$RESULTS" "$MSGS" | tee .tmp/bench.md
echo
echo "raw figures: $RESULTS; server stderr: $LOG"
