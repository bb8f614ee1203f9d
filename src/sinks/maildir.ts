/**
 * Maildir sink: each accepted message becomes one file, written under `tmp/` and then moved to
 * `new/`, so a reader never sees half a message (cr.yp.to/proto/maildir.html). Readers such as
 * mutt, Dovecot and Python's `mailbox.Maildir` pick it up as unread mail.
 */
import { link, mkdir, open, unlink } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import type { DeliveryResult, ReceivedMessage, Sink } from "../smtp/message.ts";
import { uniqueMessageName } from "./file_names.ts";

const CR = 0x0d;
const LF = 0x0a;

/**
 * The file's bytes: a `Return-Path:` line with the envelope sender (what a final delivery
 * adds, so the envelope survives), then the message with CRLF turned into LF, the line end
 * Maildir files use. Bare CRs and LFs stay as sent.
 */
export function maildirBytes(message: ReceivedMessage): Uint8Array {
  const head = new TextEncoder().encode(`Return-Path: <${message.from}>\n`);
  const data = message.data;
  const out = new Uint8Array(head.length + data.length + 1);
  out.set(head);
  let n = head.length;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === CR && data[i + 1] === LF) continue;
    out[n++] = data[i];
  }
  if (n > head.length && out[n - 1] !== LF) out[n++] = LF;
  return out.subarray(0, n);
}

/** Writes every message into the Maildir `dir` (created with `tmp/`, `new/`, `cur/`). */
export class MaildirSink implements Sink {
  readonly dir: string;
  #ready: Promise<void> | null = null;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Creates the Maildir's folders; rejects with the system's error when it cannot. */
  prepare(): Promise<void> {
    this.#ready ??= Promise.all(
      ["tmp", "new", "cur"].map((d) => mkdir(join(this.dir, d), { recursive: true, mode: 0o700 })),
    ).then(() => {});
    return this.#ready;
  }

  /** Resolves (never rejects) once the message is in `new/`, or with a temporary failure. */
  async deliver(message: ReceivedMessage): Promise<DeliveryResult> {
    const name = uniqueMessageName(message.receivedAt, process.pid);
    const tmp = join(this.dir, "tmp", name);
    try {
      await this.prepare();
      const file = await open(tmp, "wx", 0o600);
      try {
        await file.writeFile(maildirBytes(message));
        // On disk before it is announced in new/: a crash must not leave an empty message.
        await file.sync();
      } finally {
        await file.close();
      }
      // link + unlink rather than rename: a name already taken in new/ fails instead of
      // replacing another message (the protocol's own rule).
      await link(tmp, join(this.dir, "new", name));
      await unlink(tmp);
      return { ok: true };
    } catch (e) {
      await unlink(tmp).catch(() => {});
      return {
        ok: false,
        temporary: true,
        reason: `cannot deliver to Maildir ${this.dir}: ${(e as Error).message}`,
      };
    }
  }
}
