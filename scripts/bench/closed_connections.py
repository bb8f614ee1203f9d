#!/usr/bin/env python3
"""VmRSS of an smtpmock server before and after many short sessions that all close.

Usage: closed_connections.py [-n 10000] [-c 20] [--open | --body BYTES] [--settle 10]
                             [--heap ROUNDS] -- CMD ARGS...

CMD must print go-smtp-mock's start line ("SMTP mock server started on port: N") on stdout,
e.g. `bun run cli.ts smtpmock` or `deno run -A cli.ts smtpmock -httpApi=0`. Each session
connects, reads the greeting, sends QUIT, reads 221 and closes; `-c` of them run at once.
With `--open`, all N connections are opened first (`-c` connects in flight at a time) and held
until every greeting has arrived, then each sends QUIT and closes. With `--body BYTES`, each
session delivers one message of that many body bytes before QUIT (with `-httpApi` the server
keeps them: the growth per body byte is printed).

With `--heap ROUNDS`, CMD is scripts/bench/smtpmock_heap.ts (an in-process server that answers
each line on its stdin with its heap figures after a full GC): the sessions are run ROUNDS
times and the heap is printed at the start and after each round, so what survives every round
shows.
Prints one line: RSS at start, right after the sessions, and after `--settle` seconds idle
(KiB), so growth that the runtime gives back by itself is told apart from memory still held.
"""

import argparse
import asyncio
import re
import subprocess
import sys
import time


def vm_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"^VmRSS:\s+(\d+) kB$", f.read(), re.M).group(1))


BODY = b""


async def session(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    assert (await reader.readline()).startswith(b"220")
    if BODY:
        writer.write(b"EHLO x.com\r\nMAIL FROM:<a@b.com>\r\nRCPT TO:<c@d.com>\r\nDATA\r\n")
        for _ in range(4):
            assert (await reader.readline())[:1] in (b"2", b"3")
        writer.write(BODY + b".\r\n")
        assert (await reader.readline()).startswith(b"250")
    writer.write(b"QUIT\r\n")
    assert (await reader.readline()).startswith(b"221")
    writer.close()
    await writer.wait_closed()


async def open_then_close(port: int, total: int, concurrency: int) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def connect():
        async with gate:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            assert (await reader.readline()).startswith(b"220")
            return reader, writer

    conns = await asyncio.gather(*(connect() for _ in range(total)))

    async def close(reader, writer) -> None:
        writer.write(b"QUIT\r\n")
        assert (await reader.readline()).startswith(b"221")
        writer.close()
        await writer.wait_closed()

    await asyncio.gather(*(close(r, w) for r, w in conns))


async def run_sessions(port: int, total: int, concurrency: int) -> None:
    left = iter(range(total))

    async def worker() -> None:
        for _ in left:
            await session(port)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=10000)
    ap.add_argument("-c", type=int, default=20)
    ap.add_argument("--settle", type=float, default=10.0)
    ap.add_argument("--open", action="store_true")
    ap.add_argument("--body", type=int, default=0)
    ap.add_argument("--heap", type=int, default=0)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if a.body:
        global BODY
        line = b"x" * 76 + b"\r\n"
        BODY = (line * (a.body // len(line) + 1))[: a.body - 2] + b"\r\n"
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    sessions = open_then_close if a.open else run_sessions
    try:
        port = None
        for line in proc.stdout:
            m = re.search(r"started on port: (\d+)", line)
            if m:
                port = int(m.group(1))
                break
        if port is None:
            sys.exit("no start line")
        if a.heap:

            def heap(tag: str) -> None:
                proc.stdin.write(tag + "\n")
                print(proc.stdout.readline().rstrip(), flush=True)

            heap("start")
            for i in range(a.heap):
                asyncio.run(sessions(port, a.n, a.c))
                heap(f"after round {i + 1}")
            return
        time.sleep(a.settle)
        start = vm_rss_kib(proc.pid)
        t = time.monotonic()
        asyncio.run(sessions(port, a.n, a.c))
        secs = time.monotonic() - t
        after = vm_rss_kib(proc.pid)
        time.sleep(a.settle)
        settled = vm_rss_kib(proc.pid)
        mib = lambda k: f"{k / 1024:.1f}"
        what = " held open" if a.open else f" with a {a.body}-byte body" if a.body else ""
        per_byte = f"; {(settled - start) * 1024 / (a.n * a.body):.2f} B per body byte" if a.body else ""
        print(
            f"{' '.join(cmd)}: {a.n} sessions{what} in {secs:.1f} s; VmRSS MiB start {mib(start)}, "
            f"after {mib(after)}, after {a.settle:g} s idle {mib(settled)}{per_byte}"
        )
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    main()
