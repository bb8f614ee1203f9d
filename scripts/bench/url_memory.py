#!/usr/bin/env python3
"""Where the memory of `deno run <url>/cli.ts smtpmock` goes, first run against later ones.

  url_memory.py [--rounds N] [--dir CHECKOUT] WAY[+NAME=VALUE...] ...

Ways, run in turn each round so load from elsewhere hits them alike:
  cold     deno run -A FLAGS http://…/cli.ts smtpmock with a fresh DENO_DIR: a first run
           (README's line is `cold+MALLOC_ARENA_MAX=1`)
  cached   the same URL again, its modules in DENO_DIR from an unmeasured run before round 1
  clone    deno run -A FLAGS cli.ts smtpmock in CHECKOUT (`deno task smtpmock`), its DENO_DIR
           likewise filled before round 1
  clone-cold  the same with a fresh DENO_DIR: a clone's first run, as cold as a URL's
`+NAME=VALUE` adds to the server's environment, e.g. `cold+MALLOC_ARENA_MAX=1`. FLAGS are
deno.json's smtpmock task flags; CHECKOUT (default: this one) is served over HTTP as
scripts/bench.sh serves it, and Deno runs in an empty directory so no deno.json is found.

After 20,000 messages as in bench.sh (c), one line per run: VmRSS, RssAnon, the file pages and the
anonymous memory by kind from /proc/PID/smaps, in MiB. `v8` is V8's heap pages (the mappings
below Deno's executable), `arenas` the malloc arenas of Deno's other threads (a read-write
mapping followed by its reserve, 64 MiB together), `brk` the main thread's malloc heap. Then the
median (min–max) of each figure per way. V8's share moves by ±3 MiB with the moment of the
sample in its collection cycle; the other kinds do not, which is why they are listed apart.
"""
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import net_probe  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MSGS = 20000
FIGURES = ("rss", "anon", "file", "v8", "arenas", "brk")


def smtpmock_flags():
    out = subprocess.run([sys.executable, "scripts/bench/task_flags.py", "smtpmock"], cwd=ROOT,
                         check=True, capture_output=True, text=True).stdout
    return out.split()


def mappings(pid):
    """(start, KiB size, perms, name, anonymous KiB) of every mapping of PID."""
    maps = []
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = line.split(None, 5)
            if "-" in head[0] and len(head) >= 5 and ":" not in head[0]:
                start, end = (int(x, 16) for x in head[0].split("-"))
                name = head[5].strip() if len(head) > 5 else ""
                maps.append([start, (end - start) // 1024, head[1], name, 0])
            elif head[0] == "Anonymous:":
                maps[-1][4] = int(head[1])
    return maps


def anonymous_by_kind(pid):
    kinds = {"v8": 0, "arenas": 0, "brk": 0}
    maps = mappings(pid)
    past_executable = False
    for i, (start, size, perms, name, anon) in enumerate(maps):
        if name.endswith("/deno"):
            past_executable = True
        nxt = maps[i + 1] if i + 1 < len(maps) else None
        if name == "[heap]":
            kinds["brk"] += anon
        elif name or not anon:
            continue
        elif (nxt and nxt[2] == "---p" and size + nxt[1] == 65536
              and nxt[0] == start + size * 1024):
            kinds["arenas"] += anon
        elif not past_executable and "x" not in perms:
            kinds["v8"] += anon
    return kinds


def wait_connect(port, secs):
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.01)
    return False


def run(way, env_extra, base_url, deno_dir, workdir, checkout, flags):
    port = net_probe.free_port()
    if way.startswith("clone"):
        argv, cwd = ["deno", "run", "-A", *flags, "cli.ts", "smtpmock", f"-port={port}"], checkout
    else:
        argv = ["deno", "run", "-A", *flags, base_url + "cli.ts", "smtpmock", f"-port={port}"]
        cwd = workdir
    env = dict(os.environ, DENO_DIR=deno_dir, **env_extra)
    server = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        if not net_probe.wait_ready(port, 60):
            raise SystemExit(f"url_memory: {way} did not greet")
        subprocess.run(["smtp-source", "-c", "-s", "50", "-m", str(MSGS), "-l", "1024",
                        "-M", "bench.example.com", "-f", "a@example.com", "-t", "b@example.com",
                        f"127.0.0.1:{port}"], check=True, stdout=subprocess.DEVNULL)
        rss, _, anon = net_probe.rss(server.pid)
        # The rest of VmRSS is file pages (RssShmem stays 0): mostly Deno's executable.
        figures = {"rss": rss, "anon": anon, "file": rss - anon}
        figures.update(anonymous_by_kind(server.pid))
        return {k: v / 1024 for k, v in figures.items()}
    finally:
        server.terminate()
        server.wait()


def main(argv):
    rounds, checkout, specs = 10, ROOT, []
    args = iter(argv[1:])
    for a in args:
        if a == "--rounds":
            rounds = int(next(args))
        elif a == "--dir":
            checkout = os.path.abspath(next(args))
        else:
            specs.append(a)
    if not specs or any(s.split("+")[0] not in ("cold", "cached", "clone", "clone-cold") for s in specs):
        print(__doc__, file=sys.stderr)
        return 2
    os.environ["PATH"] = f"{ROOT}/node_modules/.bin:{os.environ['PATH']}:/usr/sbin"
    flags = smtpmock_flags()
    scratch = tempfile.mkdtemp(prefix="url-memory-")
    workdir = os.path.join(scratch, "cwd")
    os.mkdir(workdir)
    http_port = net_probe.free_port()
    http = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts/bench/net_probe.py"),
                             "serve", checkout, str(http_port)])
    base_url = f"http://127.0.0.1:{http_port}/"
    cached_dir = os.path.join(scratch, "cached")
    clone_dir = os.path.join(scratch, "clone")
    results = {s: [] for s in specs}
    try:
        if not wait_connect(http_port, 10):
            raise SystemExit("url_memory: the module server did not start")
        print(f"# {checkout}, flags {' '.join(flags)}, load {os.getloadavg()[0]:.2f}")
        # A first run fills a DENO_DIR; cached and clone measure the runs after it.
        if any(s.startswith("cached") for s in specs):
            run("cold", {}, base_url, cached_dir, workdir, checkout, flags)
        if any(s.startswith("clone") for s in specs):
            run("clone", {}, base_url, clone_dir, workdir, checkout, flags)
        for r in range(rounds):
            for spec in specs:
                way, *assignments = spec.split("+")
                env_extra = dict(a.split("=", 1) for a in assignments)
                deno_dir = cached_dir
                if way in ("cold", "clone-cold"):
                    deno_dir = os.path.join(scratch, "cold")
                    shutil.rmtree(deno_dir, ignore_errors=True)
                elif way == "clone":
                    deno_dir = clone_dir
                f = run(way, env_extra, base_url, deno_dir, workdir, checkout, flags)
                results[spec].append(f)
                print(f"{r + 1:2} {spec:32}", " ".join(f"{k}={f[k]:.1f}" for k in FIGURES),
                      f"load={os.getloadavg()[0]:.2f}", flush=True)
        print("\n# median (min-max), MiB, of", rounds, "runs")
        for spec, runs in results.items():
            cells = []
            for k in FIGURES:
                v = [x[k] for x in runs]
                cells.append(f"{k} {statistics.median(v):.1f} ({min(v):.1f}-{max(v):.1f})")
            print(f"{spec:32}", "  ".join(cells))
    finally:
        http.kill()
        http.wait()
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
