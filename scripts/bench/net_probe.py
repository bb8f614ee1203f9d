#!/usr/bin/env python3
"""Socket-side helpers for scripts/bench.sh. Only ever talks to 127.0.0.1.

  net_probe.py free-port                 print a TCP port that is free right now
  net_probe.py wait-ready PORT [SECS]    connect-retry until a 220 greeting arrives, then QUIT
  net_probe.py rss PID                   print "VmRSS VmHWM RssAnon" of PID in KiB
  net_probe.py idle PID PORT COUNT       open COUNT connections, wait for every 220, print
                                         "before_kib after_kib" of PID's VmRSS, then close them
  net_probe.py serve DIR PORT            serve DIR over HTTP until killed, .ts as text/plain the
                                         way raw.githubusercontent.com does (`deno run <url>`)
"""
import functools
import http.server
import socket
import sys
import time

HOST = "127.0.0.1"


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def read_greeting(sock, deadline):
    """Reads until a complete reply line; True if it is a 220."""
    buf = b""
    while b"\n" not in buf:
        sock.settimeout(max(0.001, deadline - time.monotonic()))
        chunk = sock.recv(4096)
        if not chunk:
            return False
        buf += chunk
    return buf.startswith(b"220")


def wait_ready(port, secs):
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1) as s:
                if read_greeting(s, deadline):
                    s.sendall(b"QUIT\r\n")
                    return True
        except OSError:
            time.sleep(0.002)  # refused: the server is not listening yet
    return False


def rss(pid):
    """(VmRSS, VmHWM, RssAnon) in KiB from /proc. RssAnon leaves out the mapped binary."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon"):
                fields[key] = int(value.split()[0])
    return fields["VmRSS"], fields["VmHWM"], fields["RssAnon"]


def idle(pid, port, count):
    before = rss(pid)[0]
    socks = []
    deadline = time.monotonic() + 60
    try:
        for _ in range(count):
            s = socket.create_connection((HOST, port), timeout=10)
            socks.append(s)
            if not read_greeting(s, deadline):
                raise SystemExit(f"connection {len(socks)} got no 220")
        after = rss(pid)[0]
        print(before, after)
    finally:
        for s in socks:
            s.close()


def serve(directory, port):
    class Handler(http.server.SimpleHTTPRequestHandler):
        extensions_map = {".ts": "text/plain; charset=utf-8"}

        def log_message(self, *args):
            pass

    handler = functools.partial(Handler, directory=directory)
    http.server.ThreadingHTTPServer((HOST, port), handler).serve_forever()


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "free-port":
        print(free_port())
    elif cmd == "wait-ready":
        secs = float(argv[3]) if len(argv) > 3 else 20
        return 0 if wait_ready(int(argv[2]), secs) else 1
    elif cmd == "rss":
        print(*rss(int(argv[2])))
    elif cmd == "idle":
        idle(int(argv[2]), int(argv[3]), int(argv[4]))
    elif cmd == "serve":
        serve(argv[2], int(argv[3]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
