#!/usr/bin/env python3
"""Exec -> first 220 latency of a server command (what a test harness waits for).

  first_reply.py RUNS CMD ARG...     ("{port}" in the arguments is replaced by a free port)

Each run picks a free port, spawns the command, connect-retries 127.0.0.1:port every 0.5 ms
(a refused connect on loopback returns at once, so this is as good as an event) and stops the
clock when a complete `220` line has arrived. The process is then terminated. One unmeasured
warm-up run comes first (file cache, Deno's compile cache). Prints
"median_ms min_ms max_ms" on stdout. FIRST_REPLY_PAUSE_MS (default 0) idles that long before
each measured run, so every start begins on a settled machine rather than right after the
previous server exited.
"""
import os
import signal
import socket
import statistics
import subprocess
import sys
import time

HOST = "127.0.0.1"
RETRY_S = 0.0005
RUN_LIMIT_S = 15
PAUSE_S = float(os.environ.get("FIRST_REPLY_PAUSE_MS", "0")) / 1000


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def greeted(port, deadline):
    """One connection attempt: True once a full 220 line is read, False if refused."""
    try:
        s = socket.create_connection((HOST, port), timeout=max(0.01, deadline - time.monotonic()))
    except (ConnectionRefusedError, socket.timeout):
        return False
    with s:
        buf = b""
        while b"\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                return False
            buf += chunk
        return buf.startswith(b"220")


def one_run(cmd):
    port = free_port()
    args = [a.replace("{port}", str(port)) for a in cmd]
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + RUN_LIMIT_S
        while not greeted(port, deadline):
            if proc.poll() is not None:
                raise SystemExit(f"server exited with {proc.returncode}: {' '.join(args)}")
            if time.monotonic() > deadline:
                raise SystemExit(f"no 220 within {RUN_LIMIT_S}s: {' '.join(args)}")
            time.sleep(RETRY_S)
        return (time.perf_counter() - t0) * 1000
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    runs, cmd = int(argv[1]), argv[2:]
    one_run(cmd)  # warm-up
    times = []
    for _ in range(runs):
        time.sleep(PAUSE_S)
        times.append(one_run(cmd))
    print(f"{statistics.median(times):.1f} {min(times):.1f} {max(times):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
