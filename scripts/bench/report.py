#!/usr/bin/env python3
"""Turns the raw results scripts/bench.sh collected into its table.

  report.py RESULTS_FILE [MESSAGES]      (MESSAGES per run, for the labels; default 20000)

RESULTS_FILE holds one "server metric value" line per measurement (servers: sink, bun,
deno), in round order; a metric repeated over rounds is summarised by the median for
throughput and by the maximum for memory (the worst case is what a target has to hold for).
A ratio to smtp-sink is the median of the per-round ratios: a round runs the three servers
back to back, so load from elsewhere on the machine hits both sides of a ratio alike.
Prints Markdown.
"""
import statistics
import sys
from collections import defaultdict

KIB_PER_MIB = 1024

# (label, metric, how rounds combine, divisor, decimals, target kind, bun limit, deno limit)
# Target kinds: "ratio" = at least limit × smtp-sink; "max" = at most limit; None = context only.
ROWS = [
    ("(a) new connection per message, msg/s", "conn_msgs", "median", 1, 0, "ratio", 0.6, 0.6),
    ("(b) 50 kept-alive sessions, msg/s", "keep_msgs", "median", 1, 0, "ratio", 0.5, 0.5),
    ("(c) VmRSS after {n} messages, MiB", "rss_20k", "max", KIB_PER_MIB, 1, "max", 64, 64),
    ("    VmHWM (peak) at that point, MiB", "hwm_20k", "max", KIB_PER_MIB, 1, None, 0, 0),
    ("    RssAnon (without mapped files), MiB", "anon_20k", "max", KIB_PER_MIB, 1, None, 0, 0),
    ("    VmRSS after {n} more kept-alive, MiB", "rss_40k", "max", KIB_PER_MIB, 1, None, 0, 0),
    ("(d) per idle connection, KiB", "idle_kib", "max", 1, 1, "max", 16, 16),
    ("(e) exec → first 220, median ms", "start_ms", "median", 1, 1, "max", 30, 100),
]


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


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    data = load(argv[1])
    messages = f"{int(argv[2]) if len(argv) == 3 else 20000:,}"

    def value(server, metric, combine, divisor):
        values = data.get((server, metric))
        if not values:
            return None
        return (statistics.median(values) if combine == "median" else max(values)) / divisor

    print("| measure | smtp-sink | Bun | Deno | target |")
    print("| --- | --- | --- | --- | --- |")
    for label, metric, combine, divisor, decimals, kind, bun_limit, deno_limit in ROWS:
        ref = value("sink", metric, combine, divisor)
        cells = [fmt(ref, decimals)]
        for server, limit in (("bun", bun_limit), ("deno", deno_limit)):
            v = value(server, metric, combine, divisor)
            text = fmt(v, decimals)
            if kind == "ratio":
                pairs = zip(data.get((server, metric), []), data.get(("sink", metric), []))
                ratios = [x / r for x, r in pairs if r]
                ratio = statistics.median(ratios) if ratios else None
                met = ratio is not None and ratio >= limit
                text += f" ({fmt(ratio, 3)}×) {'met' if met else 'MISSED'}"
            elif kind == "max":
                text += " met" if v is not None and v <= limit else " MISSED"
            cells.append(text)
        if kind == "ratio":
            target = f"≥ {bun_limit}× smtp-sink"
        elif kind == "max":
            unit = label.rsplit(", ", 1)[-1].split()[-1]
            target = (f"≤ {bun_limit} {unit}" if bun_limit == deno_limit else
                      f"≤ {bun_limit} {unit} Bun, ≤ {deno_limit} {unit} Deno")
        else:
            target = "—"
        print(f"| {label.format(n=messages)} | {' | '.join(cells)} | {target} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
