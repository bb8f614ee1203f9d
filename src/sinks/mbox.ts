/**
 * UNIX mbox sink of the `mockmta` persona (spec §5.2): every accepted message is appended, once,
 * to one mailbox file, under a `MAILBOX.lock` dotlock that other mocksmtp processes and GNU
 * mailutils respect (see `dotlock.ts`).
 */
import { type FileHandle, open } from "node:fs/promises";
import { resolve } from "node:path";
import type { DeliveryResult, ReceivedMessage, Sink } from "../smtp/message.ts";
import {
  acquireDotlock,
  type BrokenLock,
  type Dotlock,
  fileKey,
  type FileState,
} from "./dotlock.ts";
import { mboxEntryLengthBound, mboxEntryPieces } from "./mbox_format.ts";

/**
 * One write of a delivery: writes `bytes` at `position` and returns how many bytes were
 * written. Replaceable so tests can inject failures, short writes and kills.
 */
export type MboxWrite = (file: FileHandle, bytes: Uint8Array, position: number) => Promise<number>;

/** Tuning and test hooks of {@link MboxSink}. */
export interface MboxSinkOptions {
  /** How long a delivery waits for a busy lock before failing (ms). Default 10 000. */
  lockTimeoutMs?: number;
  /** Age after which a lock counts as abandoned and is removed (ms). Default 600 000. */
  staleLockMs?: number;
  /**
   * fsync the mailbox before releasing the lock. Default true: it is the only way to see a
   * deferred write error (full disk, quota, NFS) while the message can still be rolled back
   * and refused with 451, and it costs one flush per message.
   */
  fsync?: boolean;
  /** Called each time the lock is found held by another writer (logging, tests). */
  onLockBusy?: (lockPath: string) => void;
  /** Replaces the write; see {@link MboxWrite}. */
  write?: MboxWrite;
}

const defaultWrite: MboxWrite = async (file, bytes, position) =>
  (await file.write(bytes, 0, bytes.length, position)).bytesWritten;

// Per-mailbox tail of the in-process delivery chain: concurrent sessions of one daemon queue
// here instead of spinning on the dotlock against each other.
const queues = new Map<string, Promise<void>>();

function serialised<T>(key: string, job: () => Promise<T>): Promise<T> {
  const run = (queues.get(key) ?? Promise.resolve()).then(job);
  const tail = run.then(() => {}, () => {});
  queues.set(key, tail);
  tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return run;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function temporary(reason: string): DeliveryResult {
  return { ok: false, temporary: true, reason };
}

const LF = 0x0a;

/**
 * The append journal: `append SIZE LENGTH DEV:INO` (the mailbox's size before the append, at
 * most how many bytes it adds, which file it goes to), noted in the lock file before the first
 * byte and taken out once the message is synced. Found in a lock broken as stale, it marks an
 * append whose writer died before finishing, so the bytes it names were never acknowledged.
 */
interface Journal {
  size: number;
  length: number;
  file: string;
}

function journalText(j: Journal): string {
  return `append ${j.size} ${j.length} ${j.file}\n`;
}

/** The journal in a broken lock's content (after its `PID HOST` line), if it holds one. */
function parseJournal(lockContent: string): Journal | null {
  // Only a complete line counts: a writer killed while noting it appended nothing.
  const m = /\nappend (\d+) (\d+) (\d+:\d+)\n$/.exec(lockContent);
  return m ? { size: Number(m[1]), length: Number(m[2]), file: m[3] } : null;
}

/**
 * The newlines that make an entry appended after `tail` (the mailbox's last two bytes) start
 * on a line of its own after an empty line, whatever the last writer left: a torn entry
 * without a final LF would otherwise swallow the next From_ line.
 */
function fenceFor(tail: Uint8Array): Uint8Array {
  if (tail.length === 0) return new Uint8Array(0);
  if (tail[tail.length - 1] !== LF) return new Uint8Array([LF, LF]);
  if (tail.length === 1 || tail[0] !== LF) return new Uint8Array([LF]);
  return new Uint8Array(0);
}

/**
 * Appends each message to a UNIX mailbox (mboxrd, see `mbox_format.ts`). The file is created
 * 0600 if missing and never truncated below its size before the delivery. Any failure (cannot
 * lock, open, write or sync) leaves the mailbox as it was and yields a temporary failure.
 */
export class MboxSink implements Sink {
  /** The mailbox file. */
  readonly path: string;
  readonly #options: MboxSinkOptions;
  readonly #queueKey: string;

  constructor(path: string, options: MboxSinkOptions = {}) {
    this.path = path;
    this.#options = options;
    this.#queueKey = resolve(path);
  }

  /** Appends one message; resolves (never rejects) once it is stored or refused. */
  deliver(message: ReceivedMessage): Promise<DeliveryResult> {
    return serialised(this.#queueKey, () => this.#deliverNow(message)).catch((e) =>
      temporary(`cannot deliver to ${this.path}: ${errorText(e)}`)
    );
  }

  async #deliverNow(message: ReceivedMessage): Promise<DeliveryResult> {
    let lock: Dotlock;
    try {
      lock = await acquireDotlock(this.path, {
        timeoutMs: this.#options.lockTimeoutMs,
        staleMs: this.#options.staleLockMs,
        onBusy: this.#options.onLockBusy,
      });
    } catch (e) {
      return temporary(`cannot lock ${this.path}: ${errorText(e)}`);
    }
    try {
      let file: FileHandle;
      try {
        // O_APPEND as well as the explicit position: a writer that ignores the lock can then
        // never be overwritten, only interleaved (Linux pwrite appends on O_APPEND anyway).
        file = await open(this.path, "a+", 0o600); // readable too: the tail is checked
      } catch (e) {
        return temporary(`cannot open ${this.path}: ${errorText(e)}`);
      }
      try {
        return await this.#append(file, message, lock);
      } finally {
        await file.close().catch(() => {});
      }
    } catch (e) {
      return temporary(`cannot write ${this.path}: ${errorText(e)}`);
    } finally {
      await lock.release();
    }
  }

  async #append(
    file: FileHandle,
    message: ReceivedMessage,
    lock: Dotlock,
  ): Promise<DeliveryResult> {
    const stat = await file.stat();
    // Rollback by ftruncate needs a regular file (not a FIFO, device or directory).
    if (!stat.isFile()) return temporary(`${this.path} is not a regular file`);
    const key = fileKey(stat);
    const size = lock.broken ? await repairTornAppend(file, stat, lock.broken) : stat.size;
    const fence = fenceFor(await readTail(file, size));
    // At most this long; the journal needs no more than a bound.
    const length = fence.length + mboxEntryLengthBound(message);
    try {
      await lock.note(journalText({ size, length, file: key }));
    } catch (e) {
      return temporary(`cannot write ${lock.path}: ${errorText(e)}`);
    }
    let problem: string | undefined;
    try {
      // Written piece by piece: a large message is never copied whole once more.
      const pieces = fence.length
        ? [[fence], mboxEntryPieces(message)]
        : [mboxEntryPieces(message)];
      let at = size;
      pieceLoop: for (const source of pieces) {
        for (const piece of source) {
          const written = await (this.#options.write ?? defaultWrite)(file, piece, at);
          at += written;
          if (written !== piece.length) {
            problem = `short write (${written} of ${piece.length} bytes at ${at - written})`;
            break pieceLoop;
          }
        }
      }
      if (problem === undefined && (this.#options.fsync ?? true)) await file.sync();
      // The journal goes with the lock, before the 250 (release() clears it should the lock
      // stay): a breaker never cuts off a message that was acknowledged.
    } catch (e) {
      problem = errorText(e);
    }
    if (problem === undefined) return { ok: true };
    try {
      await file.truncate(size);
      await lock.note("").catch(() => {});
    } catch (e) {
      problem += `; rollback to ${size} bytes failed: ${errorText(e)}`;
    }
    return temporary(`cannot write ${this.path}: ${problem}`);
  }
}

/**
 * Cuts off what the dead holder of a broken lock left of its unfinished append, when its
 * journal proves it: the same mailbox, unchanged since that holder died, grown by no more than
 * that append. Anything else (no journal, the mailbox replaced, rewritten or appended to since)
 * cannot be proven torn and is left as it is; the fence keeps the next entry apart from it.
 * Returns the mailbox size now.
 */
async function repairTornAppend(
  file: FileHandle,
  now: FileState,
  broken: BrokenLock,
): Promise<number> {
  const j = parseJournal(broken.content);
  const then = broken.target;
  const unchanged = then !== null && fileKey(then) === fileKey(now) && then.size === now.size &&
    then.mtimeMs === now.mtimeMs;
  if (!j || !unchanged || j.file !== fileKey(now)) return now.size;
  if (now.size <= j.size || now.size > j.size + j.length) return now.size;
  await file.truncate(j.size);
  return j.size;
}

/** The last (up to) two bytes before `size`. */
async function readTail(file: FileHandle, size: number): Promise<Uint8Array> {
  const tail = new Uint8Array(Math.min(2, size));
  if (tail.length === 0) return tail;
  const { bytesRead } = await file.read(tail, 0, tail.length, size - tail.length);
  return tail.subarray(0, bytesRead);
}
