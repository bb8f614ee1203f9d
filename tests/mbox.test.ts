import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { MboxSink, type MboxWrite } from "../src/sinks/mbox.ts";
import {
  ctimeUtc,
  formatMboxMessage,
  fromLine,
  mboxEntryLengthBound,
  mboxEntryPieces,
} from "../src/sinks/mbox_format.ts";
import { acquireDotlock } from "../src/sinks/dotlock.ts";
import type { ReceivedMessage } from "../src/smtp/message.ts";
import {
  bytesOf,
  frmLines,
  latin1,
  mailutilsCount,
  mailutilsDotlock,
  readmsg,
  readWithPython,
  run,
  unquoteMboxrd,
} from "./helpers/mbox_readers.ts";
import { writerBody } from "./helpers/mbox_writer.ts";
import { scriptCommand } from "./helpers/cli.ts";
import { spawnWatched } from "./helpers/process.ts";

const SPEC_DATE = new Date(Date.UTC(2026, 10, 22, 12, 29, 23)); // Sun Nov 22 12:29:23 2026

/** A message with `data` given as a latin1 string (one char per byte). */
function message(from: string, data: string, receivedAt = SPEC_DATE): ReceivedMessage {
  return {
    from,
    to: ["rcpt@example.net"],
    data: bytesOf(data),
    helo: "client.example",
    remoteAddress: { hostname: "127.0.0.1", port: 40000 },
    localAddress: { hostname: "127.0.0.1", port: 25 },
    receivedAt,
  };
}

/** The message as an mboxrd reader must give it back: CRLF → LF, final LF ensured. */
function readerView(data: string): string {
  const lf = data.replace(/\r\n/g, "\n");
  return lf === "" || lf.endsWith("\n") ? lf : lf + "\n";
}

function formatted(from: string, data: string): string {
  return latin1(formatMboxMessage(message(from, data)));
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "mbox-test-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return await stat(path).then(() => true, () => false);
}

// Spec §4.1 DATA after dot-unstuffing (the session's job), line endings as sent.
const SPEC_ONE = "From: alice@example.org\r\nTo: bob@example.net\r\n" +
  "Subject: conformance message one\r\n\r\n" +
  "From here on, this line starts with From and a space.\r\n" +
  ">From this line was already quoted once.\r\nFromage is not a From_ line.\r\n" +
  " From with a leading space stays as is.\r\nlast line\r\n";
const SPEC_TWO = "From: carol@example.org\r\nTo: dave@example.net\r\n" +
  "Subject: conformance message two\r\n\r\n" +
  ".this line starts with a single dot\r\n..this line starts with two dots\r\n" +
  ".\r\n..\r\nend. of message.\r\n";

// Spec §5.2, verbatim.
const SPEC_MAILBOX = `From alice@example.org Sun Nov 22 12:29:23 2026
From: alice@example.org
To: bob@example.net
Subject: conformance message one

>From here on, this line starts with From and a space.
>>From this line was already quoted once.
Fromage is not a From_ line.
 From with a leading space stays as is.
last line

From carol@example.org Sun Nov 22 12:29:23 2026
From: carol@example.org
To: dave@example.net
Subject: conformance message two

.this line starts with a single dot
..this line starts with two dots
.
..
end. of message.

`;

test("mbox format: spec §5.2 mailbox for the two messages of §4.1, byte for byte", async () => {
  assert.equal(
    formatted("alice@example.org", SPEC_ONE) + formatted("carol@example.org", SPEC_TWO),
    SPEC_MAILBOX,
  );
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    const sink = new MboxSink(path);
    assert.deepEqual(await sink.deliver(message("alice@example.org", SPEC_ONE)), { ok: true });
    assert.deepEqual(await sink.deliver(message("carol@example.org", SPEC_TWO)), { ok: true });
    assert.equal(latin1(await readFile(path)), SPEC_MAILBOX);
  });
});

test("mbox format: From_ line in UTC ctime format, MAILER-DAEMON for the null sender", () => {
  assert.equal(ctimeUtc(SPEC_DATE), "Sun Nov 22 12:29:23 2026");
  // Day padded with a space; hours, minutes, seconds with zeros.
  assert.equal(ctimeUtc(new Date(Date.UTC(2026, 10, 2, 3, 4, 5))), "Mon Nov  2 03:04:05 2026");
  // An offset time is printed in UTC (here the day and the year change).
  assert.equal(ctimeUtc(new Date("2026-01-01T00:30:00+02:00")), "Wed Dec 31 22:30:00 2025");
  assert.equal(fromLine("", SPEC_DATE), "From MAILER-DAEMON Sun Nov 22 12:29:23 2026");
  assert.equal(fromLine("a@b.example", SPEC_DATE), "From a@b.example Sun Nov 22 12:29:23 2026");
  assert.equal(formatted("", "x\r\n"), "From MAILER-DAEMON Sun Nov 22 12:29:23 2026\nx\n\n");
});

test("mbox format: a sender outside printable ASCII is written with ? (issue 14.8)", () => {
  // U+FFFD is what an undecodable 8-bit byte of MAIL FROM arrives as.
  assert.equal(fromLine("caf\ufffd@x", SPEC_DATE), "From caf?@x Sun Nov 22 12:29:23 2026");
  assert.equal(
    fromLine("j\u00f6rg\u{1f600}@x", SPEC_DATE),
    "From j?rg?@x Sun Nov 22 12:29:23 2026",
  );
  assert.equal(fromLine("a\tb\x7f@x", SPEC_DATE), "From a?b?@x Sun Nov 22 12:29:23 2026");
});

test("mbox format: the entry in pieces is the same bytes, whatever the piece size", () => {
  const data = "From a\r\nshort\r\n" + "L".repeat(50) + "\r\n>From b\nlone\rCR\r\nno final LF";
  const whole = formatted("s@x", data);
  for (const size of [1, 7, 16, 49, 64, 1000]) {
    // Each piece is valid until the next is asked for: read it at once.
    const pieces: string[] = [];
    for (const piece of mboxEntryPieces(message("s@x", data), size)) pieces.push(latin1(piece));
    assert.equal(pieces.join(""), whole, `piece size ${size}`);
  }
  assert.ok(whole.length <= mboxEntryLengthBound(message("s@x", data)));
});

test("mbox format: mboxrd quoting of ^>*From lines only", () => {
  const body = formatted(
    "s@x",
    "From a\r\n>From b\r\n>>From c\r\nFromage\r\n From d\r\nfrom e\r\nFrom\r\n>From\r\n>Fromage\r\n" +
      "From \r\n",
  ).split("\n").slice(1).join("\n");
  assert.equal(
    body,
    ">From a\n>>From b\n>>>From c\nFromage\n From d\nfrom e\nFrom\n>From\n>Fromage\n>From \n\n",
  );
  // The first line of the data is quoted like any other.
  assert.equal(formatted("s@x", "From x\r\n").split("\n")[1], ">From x");
});

test("mbox format: CRLF becomes LF, any other CR is kept", () => {
  const head = "From s@x Sun Nov 22 12:29:23 2026\n";
  assert.equal(formatted("s@x", "a\rb\r\nc\r\r\nd\n\re\r\n"), head + "a\rb\nc\r\nd\n\re\n\n");
  // A CR at the very end is not followed by LF: it stays, and the final LF is added after it.
  assert.equal(formatted("s@x", "x\r"), head + "x\r\n\n");
});

test("mbox format: missing final newline is added; empty data gives an empty message", () => {
  const head = "From s@x Sun Nov 22 12:29:23 2026\n";
  assert.equal(formatted("s@x", "no newline"), head + "no newline\n\n");
  assert.equal(formatted("s@x", "two\r\nlines"), head + "two\nlines\n\n");
  assert.equal(formatted("s@x", ""), head + "\n");
});

test("mbox format: 8-bit bytes and a 998-octet line pass unchanged", () => {
  const eight = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i))
    .filter((c) => c !== "\r" && c !== "\n").join("");
  const long = "x".repeat(997) + "\xe9";
  const out = formatted("s@x", `${eight}\r\n${long}\r\n`);
  assert.equal(out, `From s@x Sun Nov 22 12:29:23 2026\n${eight}\n${long}\n\n`);
  assert.equal(out.split("\n")[2].length, 998);
});

test("mbox sink: creates the mailbox 0600, appends, keeps existing content and mode", async () => {
  await withTempDir(async (dir) => {
    const fresh = join(dir, "fresh");
    assert.deepEqual(await new MboxSink(fresh).deliver(message("a@x", "one\r\n")), { ok: true });
    assert.equal((await stat(fresh)).mode & 0o777, 0o600);
    assert.equal(await exists(fresh + ".lock"), false);

    const old = join(dir, "old");
    const before = "From z@x Sun Nov 22 12:29:23 2026\nold message\n\n";
    await writeFile(old, before, { mode: 0o640 });
    const sink = new MboxSink(old);
    assert.deepEqual(await sink.deliver(message("a@x", "one\r\n")), { ok: true });
    assert.deepEqual(await sink.deliver(message("b@x", "two\r\n")), { ok: true });
    assert.equal(
      latin1(await readFile(old)),
      before + formatted("a@x", "one\r\n") + formatted("b@x", "two\r\n"),
    );
    assert.equal((await stat(old)).mode & 0o777, 0o640);
  });
});

// A mixed set for the reader tests: every one has a header/body separator (see the note at
// the mailutils test) and covers quoting, CR, 8-bit, a long line and a missing final newline.
const READER_MESSAGES: [string, string][] = [
  ["alice@example.org", SPEC_ONE],
  ["carol@example.org", SPEC_TWO],
  ["", "Subject: bounce\r\n\r\nFrom the null sender\r\n>>From deep\r\n"],
  ["cr@example.org", "Subject: cr\r\n\r\nlone\rcarriage return\r\n"],
  ["8bit@example.org", "Subject: 8bit\r\n\r\ncaf\xe9 \xff\xfe \x80\r\n" + "y".repeat(998) + "\r\n"],
  ["nonl@example.org", "Subject: no final newline\r\n\r\nFrom here without newline"],
];

async function deliverAll(path: string, messages: [string, string][]): Promise<void> {
  const sink = new MboxSink(path);
  for (const [from, data] of messages) {
    assert.deepEqual(await sink.deliver(message(from, data)), { ok: true });
  }
}

test("mbox readers: Python mailbox.mbox reads back every message", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    // Python also copes with an empty message, unlike mailutils.
    const messages: [string, string][] = [...READER_MESSAGES, ["empty@example.org", ""]];
    await deliverAll(path, messages);
    const entries = await readWithPython(path);
    assert.equal(entries.length, messages.length);
    entries.forEach((entry, i) => {
      const [from, data] = messages[i];
      assert.equal(entry.from, `${from || "MAILER-DAEMON"} ${ctimeUtc(SPEC_DATE)}`);
      // Python's mbox neither quotes on our behalf nor un-quotes `>From` when reading (it cannot
      // tell mboxo from mboxrd), so its bytes still carry our quoting: undo it here.
      assert.equal(unquoteMboxrd(latin1(entry.bytes)), readerView(data));
    });
  });
});

test("mbox readers: GNU mailutils frm, messages and readmsg see every message intact", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    await deliverAll(path, READER_MESSAGES);
    const before = await readFile(path);
    assert.equal(await mailutilsCount(path), READER_MESSAGES.length);
    const lines = await frmLines(path);
    assert.equal(lines.length, READER_MESSAGES.length);
    assert.match(lines[0], /alice@example\.org\s+conformance message one/);
    for (let i = 0; i < READER_MESSAGES.length; i++) {
      const [from, data] = READER_MESSAGES[i];
      // readmsg un-quotes mboxrd itself. mailutils keeps the separator line as the last body
      // line, and readmsg ends each message with one more newline: hence the "\n\n".
      assert.equal(
        await readmsg(path, i + 1),
        `${fromLine(from, SPEC_DATE)}\n${readerView(data)}\n\n`,
      );
    }
    // These readers open the mailbox read-only (no lock, no status headers written back).
    assert.deepEqual(await readFile(path), before);
    // Note: mailutils only looks for the next From_ line in a message's body, i.e. after the
    // first empty line, so a message without any empty line (no header/body separator, or
    // empty data) runs together with the next one in mailutils, though not in Python.
  });
});

test("mbox concurrency: 200 deliveries at once from one process", { timeout: 60_000 }, async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    let busy = 0;
    // Two sink objects on one path share the in-process queue.
    const sinks = [0, 1].map(() => new MboxSink(path, { onLockBusy: () => busy++ }));
    const bodies = Array.from({ length: 200 }, (_, i) => writerBody(0, i));
    const results = await Promise.all(
      bodies.map((body, i) => sinks[i % 2].deliver(message(`s${i}@x`, body))),
    );
    assert.ok(results.every((r) => r.ok), JSON.stringify(results.find((r) => !r.ok)));
    assert.equal(busy, 0, "in-process deliveries must queue, not spin on the dotlock");
    const entries = await readWithPython(path);
    assert.equal(entries.length, 200);
    const got = entries.map((e) => unquoteMboxrd(latin1(e.bytes))).sort();
    assert.deepEqual(got, bodies.map(readerView).sort());
    assert.equal(await mailutilsCount(path), 200);
    assert.equal(await exists(path + ".lock"), false);
  });
});

const WRITER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "helpers", "mbox_writer.ts");

/** Starts one writer process; `ready` resolves once it printed `ready`. */
function startWriter(path: string, writer: number, count: number) {
  const w = spawnWatched(...scriptCommand(WRITER_SCRIPT, [path, String(writer), String(count)]), {
    stdio: ["pipe", "pipe", "inherit"],
  });
  return Object.assign(w, { ready: w.waitStdout(/^ready\n/) });
}

test(
  "mbox concurrency: 4 writer processes plus this one at once",
  { timeout: 120_000 },
  async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "mbox");
      const perWriter = 50;
      const writers = [1, 2, 3, 4].map((w) => startWriter(path, w, perWriter));
      try {
        await Promise.all(writers.map((w) => w.ready));
        for (const w of writers) w.child.stdin!.write("go\n");
        const sink = new MboxSink(path);
        const local = await Promise.all(
          Array.from(
            { length: perWriter },
            (_, i) => sink.deliver(message("w0@x", writerBody(0, i))),
          ),
        );
        assert.ok(local.every((r) => r.ok));
        const codes = await Promise.all(writers.map((w) => w.exited));
        const reports = writers.map((w) => JSON.parse(w.stdout.split("\n")[1]));
        assert.deepEqual(codes, [0, 0, 0, 0], JSON.stringify(reports));
        // The writers did meet each other's locks, so the dotlock was really exercised.
        assert.ok(reports.reduce((n, r) => n + r.busy, 0) > 0, JSON.stringify(reports));
      } finally {
        for (const w of writers) w.kill();
      }
      const expected = [0, 1, 2, 3, 4].flatMap((w) =>
        Array.from({ length: perWriter }, (_, i) => readerView(writerBody(w, i)))
      );
      const entries = await readWithPython(path);
      assert.equal(entries.length, expected.length);
      assert.deepEqual(entries.map((e) => unquoteMboxrd(latin1(e.bytes))).sort(), expected.sort());
      assert.equal(await mailutilsCount(path), expected.length);
      assert.equal(await exists(path + ".lock"), false);
    });
  },
);

test("mbox locking: a mailutils dotlock holds delivery back until released", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    assert.equal(await mailutilsDotlock(path), 0);
    let onBusy: () => void;
    const busy = new Promise<void>((resolve) => onBusy = resolve);
    let settled = false;
    const delivery = new MboxSink(path, { onLockBusy: () => onBusy() })
      .deliver(message("a@x", "Subject: held\r\n\r\nheld back\r\n"))
      .finally(() => settled = true);
    await busy;
    assert.equal(settled, false);
    assert.equal(await exists(path), false, "nothing written while mailutils holds the lock");
    assert.equal(await mailutilsDotlock(path, true), 0);
    assert.deepEqual(await delivery, { ok: true });
    assert.equal(await mailutilsCount(path), 1);
  });
});

test("mbox locking: mailutils cannot lock the mailbox while a delivery writes", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    let writing: () => void;
    const inWrite = new Promise<void>((resolve) => writing = resolve);
    let proceed: () => void;
    const mayProceed = new Promise<void>((resolve) => proceed = resolve);
    const write: MboxWrite = async (file, bytes, position) => {
      writing();
      await mayProceed;
      return (await file.write(bytes, 0, bytes.length, position)).bytesWritten;
    };
    const delivery = new MboxSink(path, { write }).deliver(message("a@x", "x\r\n"));
    await inWrite;
    // mailutils' dotlock exits 3 when the mailbox is already locked.
    assert.equal(await mailutilsDotlock(path), 3);
    proceed!();
    assert.deepEqual(await delivery, { ok: true });
    assert.equal(await mailutilsDotlock(path), 0, "the lock is released after the delivery");
    assert.equal(await mailutilsDotlock(path, true), 0);
  });
});

test("mbox locking: the lock of a symlinked mailbox sits next to its target", async () => {
  await withTempDir(async (dir) => {
    await mkdir(join(dir, "real"));
    await writeFile(join(dir, "real", "mbox"), "");
    await symlink(join(dir, "real", "mbox"), join(dir, "link"));
    const lock = await acquireDotlock(join(dir, "link"));
    try {
      assert.equal(lock.path, join(dir, "real", "mbox.lock"));
      assert.equal(await mailutilsDotlock(join(dir, "link")), 3);
    } finally {
      await lock.release();
    }
    assert.equal(await exists(join(dir, "real", "mbox.lock")), false);
  });
});

test("mbox faults: unwritable mailbox location is a temporary failure", async () => {
  await withTempDir(async (dir) => {
    // Permission bits do not stop root, so use paths that fail for everyone: a "directory"
    // that is a regular file (ENOTDIR comes from path lookup, not from a permission check)...
    await writeFile(join(dir, "file"), "");
    const r1 = await new MboxSink(join(dir, "file", "mbox")).deliver(message("a@x", "x\r\n"));
    assert.equal(r1.ok, false);
    assert.ok(!r1.ok && r1.temporary && /cannot lock/.test(r1.reason), JSON.stringify(r1));
    // ...and a mailbox that is a directory: the lock is taken, opening fails (EISDIR).
    await mkdir(join(dir, "dirbox"));
    const r2 = await new MboxSink(join(dir, "dirbox")).deliver(message("a@x", "x\r\n"));
    assert.ok(!r2.ok && r2.temporary && /cannot open/.test(r2.reason), JSON.stringify(r2));
    assert.equal(await exists(join(dir, "dirbox.lock")), false, "lock released after failure");
  });
});

test("mbox faults: a failing or short write is rolled back", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    await deliverAll(path, [["a@x", "Subject: one\r\n\r\nfirst\r\n"]]);
    const before = await readFile(path);
    const failing: MboxWrite = async (file, bytes, position) => {
      await file.write(bytes, 0, 20, position); // part of the message reaches the file...
      throw new Error("EIO: injected write failure"); // ...then the write fails
    };
    const short: MboxWrite = async (file, bytes, position) =>
      (await file.write(bytes, 0, bytes.length - 7, position)).bytesWritten;
    for (const write of [failing, short]) {
      const r = await new MboxSink(path, { write }).deliver(message("b@x", "x\r\n".repeat(50)));
      assert.ok(!r.ok && r.temporary, JSON.stringify(r));
      assert.deepEqual(await readFile(path), before);
      assert.deepEqual(await readdir(dir), ["mbox"], "no lock or append journal left");
    }
    await deliverAll(path, [["c@x", "Subject: three\r\n\r\nthird\r\n"]]);
    assert.equal(await mailutilsCount(path), 2);
  });
});

test("mbox faults: a stale lock is taken over", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    const sink = new MboxSink(path, { lockTimeoutMs: 2000 });
    // Older than the stale age (600 s by default), whoever holds it.
    await writeFile(path + ".lock", "");
    const old = new Date(Date.now() - 3600_000);
    await utimes(path + ".lock", old, old);
    assert.deepEqual(await sink.deliver(message("a@x", "Subject: a\r\n\r\nx\r\n")), { ok: true });
    // Fresh, but written by a process of this host that has exited.
    const gone = spawn("true");
    const pid = gone.pid;
    await new Promise((resolve) => gone.on("close", resolve));
    await writeFile(path + ".lock", `${pid} ${hostname()}\n`);
    assert.deepEqual(await sink.deliver(message("b@x", "Subject: b\r\n\r\ny\r\n")), { ok: true });
    assert.equal(await exists(path + ".lock"), false);
    assert.equal((await readWithPython(path)).length, 2);
  });
});

test("mbox faults: a lock naming our own PID is stale unless we hold it (issue 14.2)", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    // What a killed predecessor with the same PID (PID 1 after a container restart) leaves.
    await writeFile(path + ".lock", `${process.pid} ${hostname()}\n`);
    const r = await new MboxSink(path, { lockTimeoutMs: 2000 }).deliver(message("a@x", "x\r\n"));
    assert.deepEqual(r, { ok: true });
    assert.equal(await exists(path + ".lock"), false);
    // A lock this process does hold names the same PID and stays live.
    const lock = await acquireDotlock(path);
    try {
      const held = await new MboxSink(path, { lockTimeoutMs: 100 }).deliver(
        message("b@x", "y\r\n"),
      );
      assert.ok(!held.ok && /still held/.test(held.reason), JSON.stringify(held));
    } finally {
      await lock.release();
    }
    assert.equal(await mailutilsCount(path), 1);
  });
});

test("mbox faults: a dead writer's torn append is cut off only when its journal proves it (issue 14.1)", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    const gone = spawn("true");
    await new Promise((resolve) => gone.on("close", resolve));
    const whole = formatted("a@x", "Subject: whole\r\n\r\nkept\r\n");
    const torn = formatted("t@x", "Subject: torn\r\n\r\n" + "z".repeat(500)).slice(0, 300);
    const next = formatted("c@x", "Subject: next\r\n\r\nbody\r\n");
    /** The mailbox a writer killed mid-append leaves, and its lock with `journal` noted. */
    async function killedWriter(journal: (key: string) => string): Promise<void> {
      await writeFile(path, whole + torn, "latin1");
      const st = await stat(path);
      await writeFile(
        path + ".lock",
        `${gone.pid} ${hostname()}\n${journal(`${st.dev}:${st.ino}`)}`,
      );
    }
    const cases: Array<[string, (key: string) => string, string]> = [
      ["proven", (key) => `append ${whole.length} 600 ${key}\n`, whole + next],
      ["another file", () => `append ${whole.length} 600 1:2\n`, whole + torn + "\n\n" + next],
      ["grew more", (key) => `append ${whole.length} 200 ${key}\n`, whole + torn + "\n\n" + next],
      ["cut-off note", (key) => `append ${whole.length} 600 ${key}`, whole + torn + "\n\n" + next],
      ["no note", () => "", whole + torn + "\n\n" + next],
    ];
    for (const [name, journal, expected] of cases) {
      await killedWriter(journal);
      const r = await new MboxSink(path).deliver(message("c@x", "Subject: next\r\n\r\nbody\r\n"));
      assert.deepEqual(r, { ok: true }, name);
      assert.equal(latin1(await readFile(path)), expected, name);
      assert.deepEqual(await readdir(dir), ["mbox"], name);
    }
  });
});

test("mbox faults: an empty lock (mailutils' default) is respected until it is 600 s old", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    const lockPath = path + ".lock";
    // Held untouched for 10 s: still a live lock as far as anyone can tell.
    await writeFile(lockPath, "");
    const recent = new Date(Date.now() - 10_000);
    await utimes(lockPath, recent, recent);
    const held = await new MboxSink(path, { lockTimeoutMs: 200 }).deliver(message("b@x", "y\r\n"));
    assert.ok(!held.ok && held.temporary && /still held/.test(held.reason), JSON.stringify(held));
    assert.equal(await exists(lockPath), true);
    // Past the stale age it is taken over at once.
    const old = new Date(Date.now() - 601_000);
    await utimes(lockPath, old, old);
    const started = Date.now();
    const r = await new MboxSink(path, { lockTimeoutMs: 1000 }).deliver(message("a@x", "x\r\n"));
    assert.deepEqual(r, { ok: true });
    assert.ok(Date.now() - started < 1000, "taken over at once, not after a wait");
    assert.equal(await exists(lockPath), false);
    assert.equal(await mailutilsCount(path), 1);
  });
});

test("mbox locking: the lock appears complete, and no temporary file is left", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    const lock = await acquireDotlock(path);
    try {
      assert.equal(await readFile(lock.path, "latin1"), `${process.pid} ${hostname()}\n`);
      assert.equal((await stat(lock.path)).nlink, 1, "the temporary link is gone");
      // A second taker finds it busy; its own temporary file does not stay behind either.
      await assert.rejects(acquireDotlock(path, { timeoutMs: 50 }), /still held/);
      assert.deepEqual(await readdir(dir), ["mbox.lock"]);
    } finally {
      await lock.release();
    }
    assert.deepEqual(await readdir(dir), []);
  });
});

test("mbox locking: a lock that cannot be removed is left without its note", async (t) => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    const lock = await acquireDotlock(path);
    await lock.note("append 0 10 1:2\n");
    assert.equal(
      await readFile(lock.path, "latin1"),
      `${process.pid} ${hostname()}\nappend 0 10 1:2\n`,
    );
    // Root ignores permission bits; an immutable directory stops the unlink for root too.
    if (spawnSync("chattr", ["+i", dir], { stdio: "ignore" }).status !== 0) {
      await lock.release();
      t.skip("chattr +i is not supported here");
      return;
    }
    try {
      await lock.release();
    } finally {
      spawnSync("chattr", ["-i", dir], { stdio: "ignore" });
    }
    // A breaker must not find a journal of an append that completed and was acknowledged.
    assert.equal(await readFile(lock.path, "latin1"), `${process.pid} ${hostname()}\n`);
  });
});

test("mbox faults: a fresh foreign lock makes delivery wait, then time out", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    const lockPath = path + ".lock";
    // A live lock in our format from another host: neither old nor checkable by PID.
    await writeFile(lockPath, "4242 elsewhere.example\n");
    let onBusy: () => void;
    const busy = new Promise<void>((resolve) => onBusy = resolve);
    const waiting = new MboxSink(path, { onLockBusy: () => onBusy() })
      .deliver(message("a@x", "x\r\n"));
    await busy;
    await rm(lockPath); // the foreign holder releases
    assert.deepEqual(await waiting, { ok: true });

    await writeFile(lockPath, "4242 elsewhere.example\n");
    const r = await new MboxSink(path, { lockTimeoutMs: 200 }).deliver(message("b@x", "y\r\n"));
    assert.ok(!r.ok && r.temporary && /still held/.test(r.reason), JSON.stringify(r));
    assert.equal(await readFile(lockPath, "latin1"), "4242 elsewhere.example\n");
    assert.equal(await mailutilsCount(path), 1);
  });
});

test("mbox faults: a lock path that is not a regular file fails at once", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    await mkdir(path + ".lock");
    const r = await new MboxSink(path).deliver(message("a@x", "x\r\n"));
    assert.ok(!r.ok && r.temporary && /not a regular file/.test(r.reason), JSON.stringify(r));
    assert.equal(await exists(path), false);
  });
});

test("mbox readers: the test tools are the GNU mailutils ones", async () => {
  const r = await run("frm", ["--version"]);
  assert.match(latin1(r.stdout), /GNU Mailutils/);
});
