#!/usr/bin/env python3
"""Exec -> first 220 of two server commands, interleaved, grouped by the run before each.

  first_reply_pairs.py ROUNDS HOLD_MS -- CMD_A ARG... -- CMD_B ARG...

Runs A A B B, ROUNDS times ("{port}" in the arguments is replaced by a free port), timed as
first_reply.py times one run. Each server is stopped (SIGTERM) HOLD_MS after its 220 and
waited for; the next run starts at once. Prints the median of each "previous -> this" group
(A->A, A->B, B->A, B->B) and each command's median time from SIGTERM to exit.

Why: a run started right after another server exited is not started on an idle machine.
`mocksmtp serve` stopped at its 220 finishes its start first (minting, the HTTP API: ~40 ms
of both cores), and the next process starts measurably later than after a smtpmock run, so
N serve runs in a row (first_reply.py, scripts/bench/serve.sh) each carry their
predecessor's after-effect while smtpmock's do not. Compare A->B with A->A (same
predecessor) for the start-up difference itself.
"""
import signal
import statistics
import subprocess
import sys
import time

import first_reply

STOP_LIMIT_S = 5
RETRY_EXIT_S = 0.0002


def one_run(cmd, hold_s, exits):
    """One timed start of `cmd`; its SIGTERM-to-exit time appended to `exits`."""
    port = first_reply.free_port()
    args = [a.replace("{port}", str(port)) for a in cmd]
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + first_reply.RUN_LIMIT_S
        while not first_reply.greeted(port, deadline):
            if proc.poll() is not None:
                raise SystemExit(f"server exited with {proc.returncode}: {' '.join(args)}")
            if time.monotonic() > deadline:
                raise SystemExit(f"no 220 within {first_reply.RUN_LIMIT_S}s: {' '.join(args)}")
            time.sleep(first_reply.RETRY_S)
        return (time.perf_counter() - t0) * 1000
    finally:
        time.sleep(hold_s)
        t1 = time.perf_counter()
        proc.send_signal(signal.SIGTERM)
        while proc.poll() is None and time.perf_counter() - t1 < STOP_LIMIT_S:
            time.sleep(RETRY_EXIT_S)
        exits.append((time.perf_counter() - t1) * 1000)
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def main(argv):
    if len(argv) < 6 or argv[3] != "--" or argv[4:].count("--") != 1:
        print(__doc__, file=sys.stderr)
        return 2
    rounds, hold_s = int(argv[1]), float(argv[2]) / 1000
    split = argv.index("--", 4)
    cmds = {"A": argv[4:split], "B": argv[split + 1:]}
    exits = {"A": [], "B": []}
    for name in "AB":  # warm-up
        one_run(cmds[name], hold_s, [])
    groups = {}
    prev = "B"
    for _ in range(rounds):
        for name in "AABB":
            groups.setdefault(f"{prev}->{name}", []).append(one_run(cmds[name], hold_s, exits[name]))
            prev = name
    for key in sorted(groups):
        print(f"{key} {statistics.median(groups[key]):.1f}")
    for name in "AB":
        print(f"exit_{name} {statistics.median(exits[name]):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
