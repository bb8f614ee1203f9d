/**
 * One `.eml` file per accepted message: the bytes exactly as received (after dot-unstuffing),
 * which mail clients open directly and diff tools compare.
 */
import { mkdir, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import type { DeliveryResult, ReceivedMessage, Sink } from "../smtp/message.ts";
import { uniqueMessageName } from "./file_names.ts";

/** Writes each message to `dir/<unique>.eml`, complete or not at all. */
export class EmlSink implements Sink {
  readonly dir: string;
  #ready: Promise<unknown> | null = null;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Creates `dir` if missing; rejects with the system's error when it cannot. */
  prepare(): Promise<void> {
    this.#ready ??= mkdir(this.dir, { recursive: true });
    return this.#ready.then(() => {});
  }

  /** Resolves (never rejects) once the file is written, or with a temporary failure. */
  async deliver(message: ReceivedMessage): Promise<DeliveryResult> {
    const name = uniqueMessageName(message.receivedAt, process.pid);
    // Written under a dot name and renamed: a watcher of *.eml never reads half a message.
    const partial = join(this.dir, `.${name}.part`);
    try {
      await this.prepare();
      await writeFile(partial, message.data, { flag: "wx", mode: 0o600 });
      await rename(partial, join(this.dir, `${name}.eml`));
      return { ok: true };
    } catch (e) {
      await unlink(partial).catch(() => {});
      return {
        ok: false,
        temporary: true,
        reason: `cannot write .eml to ${this.dir}: ${(e as Error).message}`,
      };
    }
  }
}
