#!/usr/bin/env bash
# CPU per message of scripts/bench/transport_floor.ts (or of smtp-sink) under smtp-source's
# workload (20,000 messages of 1 KiB, 50 sessions): the server's utime + stime from
# /proc/PID/stat before and after, which other load on the machine moves less than msg/s.
#   bash scripts/bench/transport_floor.sh deno|bun|sink ours|bare|wire|raw conn|keep
# smtp-source and smtp-sink (postfix) on PATH, e.g. /usr/sbin.
set -euo pipefail
cd "$(dirname "$0")/../.."
way=$1 kind=$2 mode=$3
PROBE="python3 scripts/bench/net_probe.py"
port=$($PROBE free-port)
case $way in
  deno) deno run -A --v8-flags=--max-semi-space-size=2 scripts/bench/transport_floor.ts "$kind" "$port" & ;;
  bun) bun scripts/bench/transport_floor.ts "$kind" "$port" & ;;
  sink) smtp-sink -u nobody -m 2000 "127.0.0.1:$port" 2000 & ;;
  *) echo "transport_floor: unknown way '$way'" >&2; exit 2 ;;
esac
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
$PROBE wait-ready "$port" 20 >/dev/null
keep=()
[ "$mode" = keep ] && keep=(-d)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
c0=$(cpu)
smtp-source "${keep[@]}" -c -s 50 -m 20000 -l 1024 -M bench.example.com -f a@example.com \
  -t b@example.com "127.0.0.1:$port" >/dev/null
c1=$(cpu)
tick=$(getconf CLK_TCK)
echo "$way $kind $mode: $(( (c1 - c0) * 1000000 / tick / 20000 )) µs CPU per message"
