/**
 * UNIX mbox sink of the `mockmta` persona (spec §5.2): every accepted message is appended, once,
 * to one mailbox file, under a `MAILBOX.lock` dotlock that other mocksmtp processes and GNU
 * mailutils respect (see `dotlock.ts`).
 */
import { type FileHandle, open } from "node:fs/promises";
import { resolve } from "node:path";
import type { DeliveryResult, ReceivedMessage, Sink } from "../smtp/message.ts";
import { acquireDotlock, type Dotlock } from "./dotlock.ts";
import { formatMboxMessage } from "./mbox_format.ts";

/**
 * The single write of one delivery: writes `bytes` at `position` and returns how many bytes
 * were written. Replaceable so tests can inject failures and short writes.
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
    const bytes = formatMboxMessage(message);
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
        file = await open(this.path, "a", 0o600);
      } catch (e) {
        return temporary(`cannot open ${this.path}: ${errorText(e)}`);
      }
      try {
        return await this.#append(file, bytes);
      } finally {
        await file.close().catch(() => {});
      }
    } catch (e) {
      return temporary(`cannot write ${this.path}: ${errorText(e)}`);
    } finally {
      await lock.release();
    }
  }

  async #append(file: FileHandle, bytes: Uint8Array): Promise<DeliveryResult> {
    const stat = await file.stat();
    // Rollback by ftruncate needs a regular file (not a FIFO, device or directory).
    if (!stat.isFile()) return temporary(`${this.path} is not a regular file`);
    const size = stat.size;
    let problem: string | undefined;
    try {
      const written = await (this.#options.write ?? defaultWrite)(file, bytes, size);
      if (written !== bytes.length) problem = `short write (${written} of ${bytes.length} bytes)`;
      else if (this.#options.fsync ?? true) await file.sync();
    } catch (e) {
      problem = errorText(e);
    }
    if (problem === undefined) return { ok: true };
    try {
      await file.truncate(size);
    } catch (e) {
      problem += `; rollback to ${size} bytes failed: ${errorText(e)}`;
    }
    return temporary(`cannot write ${this.path}: ${problem}`);
  }
}
