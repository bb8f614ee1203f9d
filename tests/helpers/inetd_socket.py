#!/usr/bin/env python3
"""Plays inetd (or systemd's Accept=yes) for one connection, for the msmtpd --inetd tests.

Usage: inetd_socket.py [--ipv6] COMMAND [ARG...]

Listens on a free loopback port (127.0.0.1, or ::1 with --ipv6) and prints `port N`; accepts
one connection and runs COMMAND with the connected socket as its stdin and stdout (stderr is
inherited), as inetd does; prints `exit N` with the command's exit status and ends.
"""
import socket
import subprocess
import sys

args = sys.argv[1:]
family, host = socket.AF_INET, "127.0.0.1"
if args[0] == "--ipv6":
    family, host = socket.AF_INET6, "::1"
    args = args[1:]
server = socket.socket(family)
server.bind((host, 0))
server.listen(1)
print(f"port {server.getsockname()[1]}", flush=True)
conn, _ = server.accept()
server.close()
child = subprocess.Popen(args, stdin=conn.fileno(), stdout=conn.fileno())
conn.close()  # the command holds the only copy: its exit closes the connection
print(f"exit {child.wait()}", flush=True)
