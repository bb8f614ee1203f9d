/**
 * `MAILBOX.lock` dotlocking, the only mailbox lock reachable through `node:fs` on Deno and Bun
 * (there is no flock/fcntl there).
 *
 * Compatibility with GNU mailutils (checked against mailutils 3.15 with strace and its
 * `dotlock` program, and its libmailutils/base/locker.c): the default locker type is a dotlock
 * named `<mailbox>.lock` next to the mailbox, with symlinks of the mailbox resolved first. It
 * creates a unique `<mailbox>.<pid>.<time>.<host>` file and link()s it to the lock name. It
 * retries 10 times, 1 s apart, then fails with "Conflict with previous locker". By default it
 * writes no PID (the file is empty), does no PID check and never expires a lock (expiry, 600 s,
 * only when `expire-timeout` is configured). `mail` and `movemail` lock while they read or
 * rewrite the mailbox; `frm`, `messages` and `readmsg` open it read-only and take no lock at
 * all. When the mailbox directory is not writable mailutils falls back to fcntl locks, but then
 * we cannot create the dotlock either and the delivery fails.
 *
 * We lock the same way: `PID HOSTNAME\n` is written to a unique `<lock>.<pid>.<random>` file
 * first, which is then link()ed to the lock name, so the lock appears with its content
 * complete (a kill at any point leaves either no lock or a full one, at worst plus a stray
 * temp file), and link() excludes mailutils' link() (mailutils' optional PID check parses the
 * leading number). A lock is stale when it is older than `staleMs` (default 600 s, mailutils'
 * own expiry time), or when it is in our format, names this host and its PID no longer exists
 * (a crashed mocksmtp). A lock naming our own PID is ours only while this process holds it (an
 * in-memory record, by inode): after a container restart the server is PID 1 again on the same
 * host name, and the lock its killed predecessor left must not pass for live. Any other lock
 * (mailutils' are empty by default) expires by age only: an empty lock may be a live mailutils
 * lock, so it is never taken early. The host name keeps the PID check from reaching across
 * containers that share a mailbox volume but not PIDs.
 *
 * A holder may add a note after the `PID HOST` line ({@link Dotlock.note}): the mbox sink
 * records there where its append started. Whoever breaks the lock of a holder that died gets
 * the note back ({@link Dotlock.broken}) and can undo what that holder left half done. The note
 * costs one write to a file we already have open, no file of its own.
 */
import {
  type FileHandle,
  link,
  lstat,
  open,
  readdir,
  readFile,
  realpath,
  rename,
  stat,
  unlink,
} from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import process from "node:process";

/** Default wait for a busy lock before giving up (ms). */
export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
/** Default age after which any lock counts as abandoned (ms). */
export const DEFAULT_STALE_LOCK_MS = 600_000;

/** How to take a dotlock. */
export interface DotlockOptions {
  /** Give up after this many ms of finding the lock busy. Default {@link DEFAULT_LOCK_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** A lock older than this (by mtime) is removed. Default {@link DEFAULT_STALE_LOCK_MS}. */
  staleMs?: number;
  /** Called each time the lock is found held by someone else, before backing off. */
  onBusy?: (lockPath: string) => void;
}

/** Failure to take the lock: busy until the timeout, or an I/O error. */
export class DotlockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DotlockError";
  }
}

/** The state of a file at one moment: enough to tell whether anyone changed it since. */
export interface FileState {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

/** A stale lock that was broken to take this one. */
export interface BrokenLock {
  /** Its content: `PID HOST`, then the note of the holder that died, if it left one. */
  content: string;
  /**
   * The locked file while that lock still stood (null if it did not exist): if it is the same
   * now, nobody changed it between the holder's death and this lock.
   */
  target: FileState | null;
}

/** A held lock. */
export interface Dotlock {
  /** The lock file's path. */
  readonly path: string;
  /** The stale lock broken on the way to this one (the last, if several), or null. */
  readonly broken: BrokenLock | null;
  /**
   * Puts `text` after the `PID HOST` line of the lock file, in place of an earlier note (`""`
   * removes it). It stays there for whoever breaks the lock if this process dies holding it;
   * {@link Dotlock.release} removes it with the lock.
   */
  note(text: string): Promise<void>;
  /** Removes the lock if it is still ours; never throws. */
  release(): Promise<void>;
}

function errorCode(e: unknown): string | undefined {
  return (e as { code?: string } | null)?.code;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** `<mailbox>.lock`, with the mailbox's symlinks resolved as mailutils does. */
export async function dotlockPathFor(mailbox: string): Promise<string> {
  try {
    return (await realpath(mailbox)) + ".lock";
  } catch (e) {
    if (errorCode(e) !== "ENOENT") return mailbox + ".lock";
  }
  try {
    return join(await realpath(dirname(mailbox)), basename(mailbox)) + ".lock";
  } catch {
    // Let the create report the real problem (missing directory, not a directory, ...).
    return mailbox + ".lock";
  }
}

let cachedHost: string | null | undefined;

/** This host's name, or null when it cannot be read (e.g. Deno without --allow-sys). */
function thisHost(): string | null {
  if (cachedHost === undefined) {
    try {
      cachedHost = hostname() || null;
    } catch {
      cachedHost = null;
    }
  }
  return cachedHost;
}

/** `PID HOST`, alone or followed by a note (see {@link Dotlock.note}). */
const OUR_LOCK = /^(\d+) (\S+)(?:\n|$)/;

/** A file's identity: device and inode. */
export interface FileId {
  dev: number;
  ino: number;
}

/** `DEV:INO`, a file's identity as a string. */
export function fileKey(id: FileId): string {
  return `${id.dev}:${id.ino}`;
}

/** The lock files this process holds right now, by identity. */
const heldLocks = new Set<string>();

function ownerIsGone(content: string, lock: FileId): boolean {
  const m = OUR_LOCK.exec(content);
  const host = thisHost();
  if (!m || host === null || m[2] !== host) return false;
  const pid = Number(m[1]);
  // Our PID, but not a lock we hold: left by an earlier process that had the same PID.
  if (pid === process.pid) return !heldLocks.has(fileKey(lock));
  return processIsGone(pid);
}

function processIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    // Anything but "no such process" (EPERM, or no permission to signal at all) means: keep it.
    return errorCode(e) === "ESRCH";
  }
}

/**
 * Removes the lock if it is stale. Returns `broken` when it was stale and we removed it,
 * `gone` when it had disappeared (either way a retry may succeed at once), `live` otherwise.
 */
async function removeIfStale(
  lockPath: string,
  staleMs: number,
): Promise<BrokenLock | "gone" | "live"> {
  let before;
  let content;
  try {
    before = await lstat(lockPath);
    if (!before.isFile()) throw new DotlockError(`${lockPath} is not a regular file`);
    content = await readFile(lockPath, "latin1");
  } catch (e) {
    if (errorCode(e) === "ENOENT") return "gone";
    throw e;
  }
  const age = Date.now() - before.mtimeMs;
  const stale = age > staleMs || ownerIsGone(content, before);
  if (!stale) return "live";
  // While the stale lock still stands nobody changes the locked file: this is the state its
  // dead holder left (valid if the lock moved aside below is the one judged here).
  const target = await stat(lockPath.slice(0, -".lock".length)).then(
    ({ dev, ino, size, mtimeMs }) => ({ dev, ino, size, mtimeMs }),
    () => null,
  );
  // Move it aside and check it is the very file judged stale: a plain unlink could remove a
  // fresh lock that another waiter created after breaking the same stale one.
  const aside = `${lockPath}.stale.${process.pid}.${Math.random().toString(36).slice(2)}`;
  ourTemps.add(aside);
  try {
    try {
      await rename(lockPath, aside);
    } catch (e) {
      if (errorCode(e) === "ENOENT") return "gone";
      throw e;
    }
    const moved = await lstat(aside);
    if (moved.ino === before.ino && moved.dev === before.dev) {
      await unlink(aside);
      return { content, target };
    }
    // We took a live lock by mistake: put it back (fails only if yet another one appeared).
    await link(aside, lockPath).catch(() => {});
    await unlink(aside).catch(() => {});
    return "live";
  } finally {
    ourTemps.delete(aside);
  }
}

/** Temporary files (link sources, stale locks moved aside) this process is working with. */
const ourTemps = new Set<string>();
/** Lock paths whose directory this process has swept for leftovers. */
const swept = new Set<string>();

/** After `<lock>.`: our link source `PID.RANDOM`, or a stale lock moved aside. */
const TEMP_SUFFIX = /^(\d+)\.[0-9a-z]+$/;
const ASIDE_SUFFIX = /^stale\.\d+\.[0-9a-z]+$/;

/**
 * True when a leftover temporary file is provably abandoned: older than `staleMs` (by its
 * change time, which a rename renews), or a link source written by a process of this host
 * that is gone or that has our PID without being one of our files. A file of another host or
 * an empty one (its writer may be between create and write) is left to age.
 */
async function leftoverIsStale(path: string, suffix: string, staleMs: number): Promise<boolean> {
  const st = await lstat(path);
  if (!st.isFile()) return false;
  if (Date.now() - Math.max(st.mtimeMs, st.ctimeMs) > staleMs) return true;
  const named = TEMP_SUFFIX.exec(suffix);
  if (!named) return false;
  const m = OUR_LOCK.exec(await readFile(path, "latin1"));
  if (!m || m[1] !== named[1] || m[2] !== thisHost()) return false;
  const pid = Number(m[1]);
  return pid === process.pid ? !ourTemps.has(path) : processIsGone(pid);
}

/**
 * Removes the `<lock>.PID.RANDOM` and `<lock>.stale.PID.RANDOM` files that kills left behind,
 * the provably stale ones only. Best effort: a failure leaves the file for the next sweep.
 */
async function sweepLeftovers(lockPath: string, staleMs: number): Promise<void> {
  const dir = dirname(lockPath);
  const prefix = `${basename(lockPath)}.`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const suffix = name.slice(prefix.length);
    if (!TEMP_SUFFIX.test(suffix) && !ASIDE_SUFFIX.test(suffix)) continue;
    const path = join(dir, name);
    if (ourTemps.has(path)) continue;
    try {
      if (await leftoverIsStale(path, suffix, staleMs)) await unlink(path);
    } catch {
      // Gone meanwhile, or not ours to remove.
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A lock just taken: its identity, and its file kept open for notes. */
interface Taken {
  id: FileId;
  file: FileHandle;
  /** Length of the `PID HOST` line: notes go after it. */
  headerLength: number;
}

/**
 * One attempt: writes `PID HOST` into a fresh unique file next to the lock, link()s it to
 * `lockPath` and removes the temporary name again. Resolves with the lock (its file still
 * open) when it was taken, null when the lock exists.
 */
async function tryLink(lockPath: string): Promise<Taken | null> {
  const temp = `${lockPath}.${process.pid}.${Math.random().toString(36).slice(2, 10)}`;
  ourTemps.add(temp);
  try {
    return await linkFrom(temp, lockPath);
  } finally {
    ourTemps.delete(temp);
  }
}

async function linkFrom(temp: string, lockPath: string): Promise<Taken | null> {
  let file;
  try {
    // 0644 like mailutils' own lock files, so other users' PID checks can read them.
    file = await open(temp, "wx", 0o644);
  } catch (e) {
    throw new DotlockError(`cannot create ${temp}: ${errorText(e)}`);
  }
  let taken: Taken | null = null;
  try {
    const header = new TextEncoder().encode(`${process.pid} ${thisHost() ?? "?"}\n`);
    let id;
    try {
      await file.writeFile(header);
      const { ino, dev } = await file.stat();
      id = { ino, dev };
    } catch (e) {
      throw new DotlockError(`cannot write ${temp}: ${errorText(e)}`);
    }
    try {
      await link(temp, lockPath);
    } catch (e) {
      // Over NFS a link() whose reply was lost reports failure though it was made; the link
      // count of the temporary file tells the truth.
      const linked = await lstat(temp).then((st) => st.nlink === 2, () => false);
      if (!linked) {
        if (errorCode(e) === "EEXIST") return null;
        throw new DotlockError(`cannot create ${lockPath}: ${errorText(e)}`);
      }
    }
    taken = { id, file, headerLength: header.length };
    return taken;
  } finally {
    // The handle stays open only for a lock taken (its notes are written through it).
    if (!taken) await file.close().catch(() => {});
    await unlink(temp).catch(() => {});
  }
}

/**
 * Takes `<mailbox>.lock`, retrying with a short exponential backoff (5 ms doubling to 200 ms,
 * jittered) until `timeoutMs`. Throws {@link DotlockError} on timeout or I/O error.
 */
export async function acquireDotlock(
  mailbox: string,
  options: DotlockOptions = {},
): Promise<Dotlock> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const staleMs = options.staleMs ?? DEFAULT_STALE_LOCK_MS;
  const lockPath = await dotlockPathFor(mailbox);
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  let broken: BrokenLock | null = null;
  for (;;) {
    const taken = await tryLink(lockPath);
    if (taken) {
      const { file, headerLength } = taken;
      const key = fileKey(taken.id);
      heldLocks.add(key);
      // Leftovers come from kills: look once per process, and again after breaking a lock.
      if (broken || !swept.has(lockPath)) {
        swept.add(lockPath);
        await sweepLeftovers(lockPath, staleMs);
      }
      let noteLength = 0;
      return {
        path: lockPath,
        broken,
        async note(text) {
          const bytes = new TextEncoder().encode(text);
          if (bytes.length) await file.write(bytes, 0, bytes.length, headerLength);
          if (bytes.length < noteLength) await file.truncate(headerLength + bytes.length);
          noteLength = bytes.length;
        },
        async release() {
          try {
            // Only remove our own file: after a takeover as stale it may be someone else's.
            const now = await lstat(lockPath);
            if (fileKey(now) === key) await unlink(lockPath);
          } catch {
            // Unremovable: at least its note must not outlive us (a breaker would act on it).
            if (noteLength) await file.truncate(headerLength).catch(() => {});
          } finally {
            // After the unlink: until then the file still names us and must count as live.
            heldLocks.delete(key);
            await file.close().catch(() => {});
          }
        },
      };
    }
    let state;
    try {
      state = await removeIfStale(lockPath, staleMs);
    } catch (e) {
      if (e instanceof DotlockError) throw e;
      throw new DotlockError(`cannot inspect ${lockPath}: ${errorText(e)}`);
    }
    if (typeof state === "object") broken = state;
    if (state !== "live" && Date.now() < deadline) continue;
    options.onBusy?.(lockPath);
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new DotlockError(`${lockPath} still held after ${timeoutMs} ms`);
    }
    await sleep(Math.min(remaining, delay * (0.5 + Math.random())));
    delay = Math.min(delay * 2, 200);
  }
}
