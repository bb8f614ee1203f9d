#!/usr/bin/env python3
"""Peak memory of an msmtpd daemon receiving one big mail (docs/msmtpd.md "Memory").

Usage: msmtpd_memory.py RUNTIME SHAPE MIB [EXTRA_FLAG...]
  RUNTIME  deno | bun | a path to the compiled binary
  SHAPE    lines (76-byte lines + CRLF) | oneline (no line end until the final CRLF.CRLF)
  MIB      body size in MiB

Starts `mocksmtp msmtpd --port=P --command='cat >/dev/null; :'` from the repository root, waits for
the greeting, reads VmHWM (baseline), sends one mail of the given size, reads the reply and VmHWM
again, then stops the daemon. Prints one line: runtime, shape, size, baseline and peak in MiB,
the reply. With LINGER=N in the environment it also gives VmRSS N seconds after the reply (is
the memory given back?). Figures are measured and recorded, never asserted.
"""
import os
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_mib(pid, field):
    """A memory figure (VmHWM, VmRSS) from /proc/PID/status, in MiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def command(runtime, port, extra):
    args = ["msmtpd", f"--port={port}", "--command=cat >/dev/null; :", *extra]
    if runtime == "deno":
        return ["deno", "run", "-A", "--quiet", "cli.ts", *args]
    if runtime == "bun":
        return ["bun", "run", "cli.ts", *args]
    return [runtime, *args]


def connect(port, proc):
    while True:
        if proc.poll() is not None:
            sys.exit(f"server exited with {proc.returncode}")
        try:
            return socket.create_connection(("127.0.0.1", port))
        except OSError:
            time.sleep(0.02)


def reply(f):
    return f.readline().decode("latin1").rstrip("\r\n")


def main():
    runtime, shape, mib = sys.argv[1], sys.argv[2], int(sys.argv[3])
    extra = sys.argv[4:]
    port = free_port()
    proc = subprocess.Popen(command(runtime, port, extra), cwd=ROOT)
    try:
        s = connect(port, proc)
        f = s.makefile("rb")
        assert reply(f).startswith("220"), "greeting"
        s.sendall(b"HELO bench\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<c@d.org>\r\nDATA\r\n")
        for _ in range(4):
            reply(f)
        base = status_mib(proc.pid, "VmHWM")
        size = mib << 20
        if shape == "lines":
            line = b"x" * 76 + b"\r\n"
            block = line * (65536 // len(line))
        else:
            block = b"y" * 65536
        sent = 0
        try:
            while sent < size:
                s.sendall(block)
                sent += len(block)
            s.sendall(b"\r\n.\r\n")
        except OSError:
            pass  # the server may answer (and close) before the end, e.g. over a size cap
        answer = reply(f)
        peak = status_mib(proc.pid, "VmHWM")
        later = ""
        linger = float(os.environ.get("LINGER", "0"))
        if linger > 0:
            time.sleep(linger)
            later = f", VmRSS {status_mib(proc.pid, 'VmRSS'):.1f} MiB {linger:g} s later"
        print(f"{os.path.basename(runtime)} {shape} {mib} MiB: baseline {base:.1f} MiB, "
              f"peak {peak:.1f} MiB, reply {answer!r}{later}", flush=True)
        s.close()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait()


if __name__ == "__main__":
    main()
