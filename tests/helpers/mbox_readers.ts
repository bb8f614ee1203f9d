/**
 * Real mailbox readers for the mbox sink tests: Python's `mailbox.mbox` and GNU mailutils
 * (`frm`, `messages`, `readmsg`, `dotlock`), driven as child processes, plus small byte helpers.
 */
import { spawn } from "node:child_process";
import { Buffer } from "node:buffer";

/** What a finished child process left behind. */
export interface RunResult {
  code: number | null;
  stdout: Uint8Array;
  stderr: string;
}

/** Runs a program to completion (stdin closed, or fed with `input`). */
export function run(cmd: string, args: string[], input?: Uint8Array): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Uint8Array[] = [];
    const err: Uint8Array[] = [];
    child.stdout.on("data", (c: Uint8Array) => out.push(c));
    child.stderr.on("data", (c: Uint8Array) => err.push(c));
    child.on("error", reject);
    child.on("close", (code: number | null) =>
      resolve({
        code,
        stdout: new Uint8Array(Buffer.concat(out)),
        stderr: Buffer.concat(err).toString("utf8"),
      }));
    child.stdin.end(input ?? new Uint8Array());
  });
}

/** Bytes ↔ latin1 strings: one char per byte, so 8-bit content survives comparisons. */
export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("latin1");
}

/** Inverse of {@link latin1}. */
export function bytesOf(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "latin1"));
}

/** One message as Python's `mailbox.mbox` returns it. */
export interface PythonMboxEntry {
  /** The From_ line without `From ` and without the LF. */
  from: string;
  /** The message bytes, From_ line and separator line excluded, still `>`-quoted. */
  bytes: Uint8Array;
}

const PYTHON_READER = `
import base64, json, mailbox, sys
box = mailbox.mbox(sys.argv[1], create=False)
out = [{"from": box.get_message(k).get_from(),
         "bytes": base64.b64encode(box.get_bytes(k)).decode()} for k in box.keys()]
print(json.dumps(out))
`;

/** Reads a mailbox with Python's `mailbox.mbox`. */
export async function readWithPython(path: string): Promise<PythonMboxEntry[]> {
  const r = await run("python3", ["-c", PYTHON_READER, path]);
  if (r.code !== 0) throw new Error(`python3 failed (${r.code}): ${r.stderr}`);
  const parsed = JSON.parse(latin1(r.stdout)) as { from: string; bytes: string }[];
  return parsed.map((e) => ({
    from: e.from,
    bytes: new Uint8Array(Buffer.from(e.bytes, "base64")),
  }));
}

/** mboxrd un-quoting: drops one `>` from every line matching `^>+From `. */
export function unquoteMboxrd(text: string): string {
  return text.replace(/^>(>*From )/gm, "$1");
}

/** Message count according to mailutils `messages -q`. */
export async function mailutilsCount(path: string): Promise<number> {
  const r = await run("messages", ["-q", path]);
  if (r.code !== 0) throw new Error(`messages failed (${r.code}): ${r.stderr}`);
  return Number(latin1(r.stdout).trim());
}

/** mailutils `frm` output lines (one per message). */
export async function frmLines(path: string): Promise<string[]> {
  const r = await run("frm", [path]);
  // frm exits 1 after listing a mailbox whose messages are all new; errors go to stderr.
  if ((r.code !== 0 && r.code !== 1) || r.stderr !== "") {
    throw new Error(`frm failed (${r.code}): ${r.stderr}`);
  }
  return latin1(r.stdout).split("\n").filter((l) => l !== "");
}

/** Message `n` (1-based) as mailutils `readmsg -h` prints it: From_ line, headers, body. */
export async function readmsg(path: string, n: number): Promise<string> {
  const r = await run("readmsg", ["-f", path, "-h", String(n)]);
  if (r.code !== 0) throw new Error(`readmsg failed (${r.code}): ${r.stderr}`);
  return latin1(r.stdout);
}

/**
 * Runs mailutils `dotlock` on a mailbox, one attempt only (its default is 10 tries, 1 s apart);
 * `unlock` removes the lock. Resolves to the exit status: 0 done, 3 already locked.
 */
export async function mailutilsDotlock(path: string, unlock = false): Promise<number | null> {
  const r = await run("dotlock", unlock ? ["-u", path] : ["-r", "1", path]);
  return r.code;
}
