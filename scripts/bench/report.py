#!/usr/bin/env python3
"""Turns the raw results scripts/bench.sh collected into its tables.

  report.py RESULTS_FILE [MESSAGES]      (MESSAGES per run, for the labels; default 20000)

RESULTS_FILE holds one "server metric value" line per measurement, in order. Throughput
(servers sink, bun, deno; repeated over rounds) is the median over rounds, and a ratio to
smtp-sink the median of the per-round ratios: a round runs the servers back to back, so load
from elsewhere on the machine hits both sides of a ratio alike. Memory and start-up are
measured once per way to start the server; start-up is also given as a multiple of the bare
runtime's floor measured in the same run. Prints Markdown.
"""
import statistics
import sys
from collections import defaultdict

KIB_PER_MIB = 1024

# Throughput table: (label, metric, target ratio to smtp-sink)
THROUGHPUT = [
    ("(a) new connection per message, msg/s", "conn_msgs", 0.6),
    ("(b) 50 kept-alive sessions, msg/s", "keep_msgs", 0.5),
]
THROUGHPUT_SERVERS = [("bun", "Bun (`bun run`)"), ("deno", "Deno (`deno run -A --v8-flags=…`)")]

# Ways to start: (server, label, runtime floor, start-up target). A target "×N" is at most N
# times the floor; a number is at most that many ms.
WAYS = [
    ("bin", "binary (`scripts/compile.sh --bun`; GitHub Action)", "floor-bun", "×1.3"),
    ("bun", "`bun run cli.ts smtpmock`", "floor-bun", "30"),
    ("deno", "`deno run -A FLAGS cli.ts smtpmock`, `deno task smtpmock`", "floor-deno", "100"),
    ("deno-url", "README's `MALLOC_ARENA_MAX=1 deno run -A FLAGS <url>/cli.ts`, first run", "floor-deno", "100"),
    ("deno-noflag", "`deno run -A cli.ts` without flags (not documented)", "floor-deno", "100"),
]
FLOORS = [
    ("floor-bun", "floor: bare `node:net` listener, `bun`"),
    ("floor-deno", "floor: bare `Deno.listen` loop, `deno run`"),
    ("sink", "reference: smtp-sink"),
]
RSS_LIMIT_MIB = 64
IDLE_LIMIT_KIB = 16


def load(path):
    data = defaultdict(list)
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3:
                data[(parts[0], parts[1])].append(float(parts[2]))
    return data


def fmt(v, decimals):
    return "n/a" if v is None else f"{v:,.{decimals}f}"


def verdict(ok):
    return "met" if ok else "MISSED"


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    data = load(argv[1])
    messages = f"{int(argv[2]) if len(argv) == 3 else 20000:,}"

    def one(server, metric, combine=max, divisor=1):
        values = data.get((server, metric))
        return combine(values) / divisor if values else None

    if any(data.get(("sink", m)) for _, m, _ in THROUGHPUT):
        print("| measure | smtp-sink | " + " | ".join(l for _, l in THROUGHPUT_SERVERS) +
              " | target |")
        print("| --- | --- | " + " | ".join("---" for _ in THROUGHPUT_SERVERS) + " | --- |")
        for label, metric, limit in THROUGHPUT:
            cells = [fmt(one("sink", metric, statistics.median), 0)]
            for server, _ in THROUGHPUT_SERVERS:
                v = one(server, metric, statistics.median)
                pairs = zip(data.get((server, metric), []), data.get(("sink", metric), []))
                ratios = [x / r for x, r in pairs if r]
                ratio = statistics.median(ratios) if ratios else None
                text = fmt(v, 0)
                if ratio is not None:
                    text += f" ({fmt(ratio, 3)}×) {verdict(ratio >= limit)}"
                cells.append(text)
            print(f"| {label} | {' | '.join(cells)} | ≥ {limit}× smtp-sink |")
        print()

    print(f"| way to start | (e) exec → first 220, ms | × floor | (c) VmRSS after {messages}"
          " messages, MiB | VmHWM, MiB | RssAnon, MiB | (d) per idle connection, KiB |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for server, label in FLOORS:
        start = one(server, "start_ms", statistics.median)
        if start is not None:
            print(f"| {label} | {fmt(start, 1)} | — | — | — | — | — |")
    for server, label, floor, target in WAYS:
        start = one(server, "start_ms", statistics.median)
        if start is None and one(server, "rss_20k") is None:
            continue
        base = one(floor, "start_ms", statistics.median)
        times = start / base if start is not None and base else None
        if target.startswith("×"):
            ok = times is not None and times <= float(target[1:])
            start_text = f"{fmt(start, 1)} (≤ {target[1:]}× floor: {verdict(ok)})"
        else:
            ok = start is not None and start <= float(target)
            start_text = f"{fmt(start, 1)} (≤ {target} ms: {verdict(ok)})"
        rss = one(server, "rss_20k", divisor=KIB_PER_MIB)
        idle = one(server, "idle_kib")
        rss_text = f"{fmt(rss, 1)} {verdict(rss is not None and rss <= RSS_LIMIT_MIB)}"
        idle_text = f"{fmt(idle, 1)} {verdict(idle is not None and idle <= IDLE_LIMIT_KIB)}"
        cells = [start_text, f"{fmt(times, 2)}×", rss_text,
                 fmt(one(server, "hwm_20k", divisor=KIB_PER_MIB), 1),
                 fmt(one(server, "anon_20k", divisor=KIB_PER_MIB), 1), idle_text]
        print(f"| {label} | {' | '.join(cells)} |")
    print()
    print(f"Targets: (c) ≤ {RSS_LIMIT_MIB} MiB, (d) ≤ {IDLE_LIMIT_KIB} KiB; (e) as given. The floor"
          " of a way is the bare listener of its runtime (Bun's for the binary).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
