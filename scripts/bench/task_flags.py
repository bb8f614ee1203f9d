#!/usr/bin/env python3
"""The flags a deno.json task gives `deno run` (between `-A` and `cli.ts`), one line.

  task_flags.py TASK      e.g. `start` (serve) or `smtpmock`

The benchmarks start the Deno ways with exactly these, so a flag added to the task (and the
README's lines, which carry the same) is what gets measured.
"""
import json
import sys

words = json.load(open("deno.json"))["tasks"][sys.argv[1]].split()
start = words.index("-A") + 1
print(" ".join(words[start:words.index("cli.ts", start)]))
