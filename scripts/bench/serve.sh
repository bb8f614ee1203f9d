#!/usr/bin/env bash
# Benchmark of `mocksmtp serve` (capture on: every message parsed and stored), with postfix's
# smtp-sink as the reference in the same run, driven by smtp-source with 1 KiB messages:
#   (a) new connection per message, BENCH_SESSIONS sessions            -> msg/s, ratio to sink
#   (b) the same over kept-alive sessions (smtp-source -d)             -> msg/s, ratio to sink
#   (c) VmRSS / VmHWM after BENCH_MSGS messages stored with --max=BENCH_MSGS, and per message
#       over the RSS of the fresh server                                -> MiB, KiB/message
#   (e) exec -> first 220, median of BENCH_STARTS runs, serve next to smtpmock run the same way,
#       back to back and with BENCH_SETTLE_MS of idle before each start
# Usage: bash scripts/bench.sh serve   (or this file). Environment as scripts/bench.sh:
#   BENCH_ROUNDS=3 BENCH_MSGS=20000 BENCH_SESSIONS=50 BENCH_SIZE=1024 BENCH_STARTS=15
#   BENCH_SETTLE_MS=200 BENCH_SERVE_WAYS="bin bun deno"
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/node_modules/.bin:$PATH:/usr/sbin:/sbin"

ROUNDS=${BENCH_ROUNDS:-3}
MSGS=${BENCH_MSGS:-20000}
SESSIONS=${BENCH_SESSIONS:-50}
SIZE=${BENCH_SIZE:-1024}
STARTS=${BENCH_STARTS:-15}
SETTLE_MS=${BENCH_SETTLE_MS:-200}
read -ra WAYS <<<"${BENCH_SERVE_WAYS:-bin bun deno}"
PROBE="python3 scripts/bench/net_probe.py"
SINK_USER=()
[ "$(id -u)" = 0 ] && SINK_USER=(-u nobody)
for tool in smtp-source smtp-sink deno bun python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not found (see scripts/bench.sh)" >&2; exit 1; }
done

mkdir -p .tmp
RESULTS=.tmp/bench-serve-results.txt
LOG=.tmp/bench-serve.log
BIN=.tmp/bench-bin/mocksmtp
: >"$RESULTS"
: >"$LOG"
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && { kill -KILL "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Each persona started on Deno as its deno.json task starts it (`deno task start`, `deno task smtpmock`).
read -ra SERVE_DENO_FLAGS <<<"$(python3 scripts/bench/task_flags.py start)"
read -ra SMTPMOCK_DENO_FLAGS <<<"$(python3 scripts/bench/task_flags.py smtpmock)"
SERVE_ARGS=("--smtp=127.0.0.1:{port}" "--listen=127.0.0.1:0" "--max=$MSGS" -q)

# server_cmd NAME: CMD for sink, serve-<way> or smtpmock-<way> ("{port}" for the port).
server_cmd() {
  case $1 in
    sink) CMD=(smtp-sink "${SINK_USER[@]}" -m 2000 "127.0.0.1:{port}" 2000) ;;
    serve-bin) CMD=("$BIN" serve "${SERVE_ARGS[@]}") ;;
    serve-bun) CMD=(bun run cli.ts serve "${SERVE_ARGS[@]}") ;;
    serve-deno) CMD=(deno run -A "${SERVE_DENO_FLAGS[@]}" cli.ts serve "${SERVE_ARGS[@]}") ;;
    smtpmock-bin) CMD=("$BIN" smtpmock "-port={port}") ;;
    smtpmock-bun) CMD=(bun run cli.ts smtpmock "-port={port}") ;;
    smtpmock-deno) CMD=(deno run -A "${SMTPMOCK_DENO_FLAGS[@]}" cli.ts smtpmock "-port={port}") ;;
    *) echo "bench: unknown server '$1'" >&2; exit 2 ;;
  esac
}

start_server() { # NAME PORT
  server_cmd "$1"
  "${CMD[@]//\{port\}/$2}" >/dev/null 2>>"$LOG" &
  SERVER_PID=$!
  $PROBE wait-ready "$2" 20 || { echo "bench: $1 did not greet (see $LOG)" >&2; exit 1; }
}

stop_server() {
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

record() { echo "$1 $2 $3" >>"$RESULTS"; }

drive() { # NAME PORT METRIC [smtp-source flags]
  local name=$1 port=$2 metric=$3 t0 t1
  shift 3
  t0=$(date +%s%N)
  timeout 300 smtp-source "$@" -c -s "$SESSIONS" -m "$MSGS" -l "$SIZE" -M bench.example.com \
    -f a@example.com -t b@example.com "127.0.0.1:$port" >/dev/null 2>>"$LOG" ||
    { echo "bench: smtp-source failed against $name (see $LOG)" >&2; exit 1; }
  t1=$(date +%s%N)
  record "$name" "$metric" "$(awk -v n="$MSGS" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", n / (ns / 1e9) }')"
}

if [[ " ${WAYS[*]} " == *" bin "* ]]; then
  echo "building $BIN" >&2
  bash scripts/compile.sh --bun "$BIN" >/dev/null 2>>"$LOG"
fi

echo "# mocksmtp serve benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "work: $ROUNDS rounds × $MSGS messages of $SIZE bytes over $SESSIONS sessions; $STARTS starts"
echo

for round in $(seq "$ROUNDS"); do
  for name in sink "${WAYS[@]/#/serve-}"; do
    echo "round $round/$ROUNDS: $name" >&2
    port=$($PROBE free-port)
    start_server "$name" "$port"
    drive "$name" "$port" conn
    stop_server
    # Kept alive on a fresh server: the first run's messages would otherwise fill the store.
    port=$($PROBE free-port)
    start_server "$name" "$port"
    drive "$name" "$port" keep -d
    stop_server
  done
done

for way in "${WAYS[@]}"; do
  echo "memory: serve-$way" >&2
  port=$($PROBE free-port)
  start_server "serve-$way" "$port"
  read -r rss0 _ <<<"$($PROBE rss "$SERVER_PID")"
  drive "serve-$way" "$port" mem_conn
  # The store answers 250 once the message is listed: all of them are stored by now.
  read -r rss hwm _ <<<"$($PROBE rss "$SERVER_PID")"
  record "serve-$way" rss0_kib "$rss0"
  record "serve-$way" rss_kib "$rss"
  record "serve-$way" hwm_kib "$hwm"
  stop_server
done

# Start-up twice: runs back to back (each start right after its predecessor exited), and
# settled (SETTLE_MS of idle before each start, as a harness that starts one server per test
# file sees it). Back to back favours the cheaper exit: a serve stopped at its 220 finishes its
# background start (minting, HTTP API) before it exits, and the next start pays for it.
for way in "${WAYS[@]}"; do
  for pause in 0 "$SETTLE_MS"; do
    for persona in smtpmock serve; do
      echo "start-up: $persona-$way (pause $pause ms)" >&2
      server_cmd "$persona-$way"
      read -r median _ <<<"$(FIRST_REPLY_PAUSE_MS=$pause python3 scripts/bench/first_reply.py "$STARTS" "${CMD[@]}")"
      metric=start_ms
      [ "$pause" = 0 ] || metric=settled_start_ms
      record "$persona-$way" "$metric" "$median"
    done
  done
done

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
python3 - "$RESULTS" "$MSGS" "${WAYS[@]}" <<'PY'
import statistics, sys
path, msgs, ways = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
data = {}
for line in open(path):
    name, metric, value = line.split()
    data.setdefault((name, metric), []).append(float(value))
med = lambda n, m: statistics.median(data[(n, m)]) if (n, m) in data else float("nan")
print("| server | new connection per message, msg/s | ratio to smtp-sink | kept alive, msg/s | ratio to smtp-sink |")
print("| --- | --: | --: | --: | --: |")
for name in ["sink"] + ["serve-" + w for w in ways]:
    c, k = med(name, "conn"), med(name, "keep")
    print(f"| {name} | {c:.0f} | {c / med('sink', 'conn'):.2f} | {k:.0f} | {k / med('sink', 'keep'):.2f} |")
print()
print(f"| serve | RSS fresh, MiB | RSS after {msgs} stored, MiB | VmHWM, MiB | per message, KiB |")
print("| --- | --: | --: | --: | --: |")
for w in ways:
    n = "serve-" + w
    r0, r, h = med(n, "rss0_kib"), med(n, "rss_kib"), med(n, "hwm_kib")
    print(f"| {w} | {r0 / 1024:.1f} | {r / 1024:.1f} | {h / 1024:.1f} | {(r - r0) / msgs:.2f} |")
print()
print("| way | starts | smtpmock exec → 220, ms | serve exec → 220, ms | ratio |")
print("| --- | --- | --: | --: | --: |")
for w in ways:
    for metric, label in (("start_ms", "back to back"), ("settled_start_ms", "settled")):
        a, b = med("smtpmock-" + w, metric), med("serve-" + w, metric)
        print(f"| {w} | {label} | {a:.1f} | {b:.1f} | {b / a:.2f} |")
PY
echo
echo "raw figures: $RESULTS; server stderr: $LOG"
