#!/usr/bin/env python3
"""CPU a server spent by the moment its first 220 arrives (what load barely moves).

  cpu_at_greeting.py RUNS CMD ARG...   ("{port}" in the arguments is replaced by a free port)

Each run spawns the command, connect-retries 127.0.0.1:port every 0.5 ms as first_reply.py
does, and when a complete 220 line has arrived reads every thread's run time from
/proc/PID/task/*/schedstat (ns): the main thread's, all threads', and per thread name (a
GC helper thread's time there means a collection had started by then); again 150 ms later
(the work started after the greeting). One unmeasured warm-up run first. Prints medians.
Linux only.
"""
import os, signal, socket, statistics, subprocess, sys, time
HOST="127.0.0.1"
def free_port():
    with socket.socket() as s:
        s.bind((HOST,0)); return s.getsockname()[1]
def cpu(pid):
    main=0; tot=0; names={}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            ns=int(open(f"/proc/{pid}/task/{tid}/schedstat").read().split()[0])
            comm=open(f"/proc/{pid}/task/{tid}/comm").read().strip()
        except OSError: continue
        tot+=ns
        if int(tid)==pid: main=ns
        names[comm]=names.get(comm,0)+ns
    return main,tot,names
def run(cmd):
    port=free_port(); args=[a.replace("{port}",str(port)) for a in cmd]
    t0=time.perf_counter(); p=subprocess.Popen(args,stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                s=socket.create_connection((HOST,port),timeout=5)
            except ConnectionRefusedError:
                time.sleep(0.0005); continue
            buf=b""
            while b"\n" not in buf:
                c=s.recv(4096)
                if not c: break
                buf+=c
            if buf.startswith(b"220"):
                t=(time.perf_counter()-t0)*1000
                m,tot,names=cpu(p.pid); s.close()
                time.sleep(0.15)
                m2,tot2,names2=cpu(p.pid)
                return t,m/1e6,tot/1e6,names,m2/1e6,tot2/1e6
            s.close()
    finally:
        p.send_signal(signal.SIGTERM); p.wait()
runs=int(sys.argv[1]); cmd=sys.argv[2:]
run(cmd)
rs=[run(cmd) for _ in range(runs)]
med=lambda i: statistics.median(r[i] for r in rs)
print(f"wall {med(0):.1f}  main@220 {med(1):.2f}  all@220 {med(2):.2f}  main@+150ms {med(4):.2f} all@+150ms {med(5):.2f}")
agg={}
for r in rs:
    for k,v in r[3].items(): agg.setdefault(k,[]).append(v/1e6)
print("  threads@220:", ", ".join(f"{k}={statistics.median(v):.2f}" for k,v in agg.items()))
