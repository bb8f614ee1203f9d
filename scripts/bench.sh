#!/usr/bin/env bash
# Benchmark of `mocksmtp smtpmock` on Bun and on Deno, with postfix's smtp-sink as the
# reference in the same run, driven by postfix's smtp-source. Only 127.0.0.1 is used; every
# process started here is killed on exit. Prints a Markdown table (also kept in .tmp/bench.md).
#
#   (a) new connection per message, BENCH_SESSIONS sessions, BENCH_SIZE-byte body  -> msg/s
#   (b) the same over kept-alive sessions (smtp-source -d)                          -> msg/s
#   (c) server VmRSS / VmHWM / RssAnon after (a), i.e. after BENCH_MSGS messages    -> MiB
#   (d) VmRSS growth per idle, greeted connection (BENCH_IDLE of them)              -> KiB
#   (e) exec -> first 220 greeting, median of BENCH_STARTS runs                     -> ms
#
# Usage: scripts/bench.sh   (deno task bench; takes one to two minutes)
# Environment: BENCH_ROUNDS=5 BENCH_MSGS=20000 BENCH_SESSIONS=50 BENCH_SIZE=1024
#              BENCH_IDLE=1000 BENCH_STARTS=15 BENCH_SERVERS="sink bun deno"
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH:/usr/sbin:/sbin"

ROUNDS=${BENCH_ROUNDS:-5}
MSGS=${BENCH_MSGS:-20000}
SESSIONS=${BENCH_SESSIONS:-50}
SIZE=${BENCH_SIZE:-1024}
IDLE=${BENCH_IDLE:-1000}
STARTS=${BENCH_STARTS:-15}
read -ra SERVERS <<<"${BENCH_SERVERS:-sink bun deno}"
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

# The one server running at any time; cleared once reaped, so a recycled PID is never hit.
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] || return 0
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server NAME PORT: starts sink|bun|deno on 127.0.0.1:PORT, waits for its greeting.
start_server() {
  case $1 in
    sink) exec smtp-sink "${SINK_USER[@]}" -m 2000 "127.0.0.1:$2" 2000 ;;
    bun) exec bun run cli.ts smtpmock -port="$2" ;;
    deno) exec deno run -A --v8-flags=--max-semi-space-size=2 cli.ts smtpmock -port="$2" ;;
  esac >/dev/null 2>>"$LOG" &
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
    record_rss "$name" 20k
    drive "$name" "$port" keep_msgs -d
    record_rss "$name" 40k
    stop_server
  done
done

for name in "${SERVERS[@]}"; do
  echo "idle connections: $name" >&2
  port=$($PROBE free-port)
  start_server "$name" "$port"
  out=$($PROBE idle "$SERVER_PID" "$port" "$IDLE")
  read -r before after <<<"$out"
  record "$name" idle_kib "$(awk -v b="$before" -v a="$after" -v n="$IDLE" 'BEGIN { printf "%.2f", (a - b) / n }')"
  stop_server
done

echo "start-up latency" >&2
for name in "${SERVERS[@]}"; do
  case $name in
    sink) cmd=(smtp-sink "${SINK_USER[@]}" "127.0.0.1:{port}" 100) ;;
    bun) cmd=(bun run cli.ts smtpmock "-port={port}") ;;
    deno) cmd=(deno run -A --v8-flags=--max-semi-space-size=2 cli.ts smtpmock "-port={port}") ;;
  esac
  out=$(python3 scripts/bench/first_reply.py "$STARTS" "${cmd[@]}")
  read -r median _ <<<"$out"
  record "$name" start_ms "$median"
done

# Issue 5's figure: the standalone binary (built here with bun build --compile, as the offline
# fallback of scripts/compile.sh does) from exec to its first 220.
echo "start-up latency: compiled binary" >&2
bin_ms="n/a"
mkdir -p .tmp/bench-bin
if bun build --compile --compile-exec-argv=--smol cli.ts --outfile .tmp/bench-bin/mocksmtp \
  >/dev/null 2>>"$LOG"; then
  out=$(python3 scripts/bench/first_reply.py "$STARTS" .tmp/bench-bin/mocksmtp smtpmock "-port={port}")
  read -r bin_ms _ <<<"$out"
fi

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
{
  python3 scripts/bench/report.py "$RESULTS" "$MSGS"
  echo
  echo "Compiled binary (bun build --compile), exec → first 220, median of $STARTS: $bin_ms ms (target ≤ 30 ms)"
} | tee .tmp/bench.md
echo
echo "raw figures: $RESULTS; server stderr: $LOG"
