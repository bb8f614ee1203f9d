/**
 * A per-session transcript: an {@link Observer} on the conversation seam that writes down
 * what each side said, the same for every persona. Credentials sent in an AUTH exchange are
 * never written down, and a message body only by its size.
 */
import type { Intervention, Observer, SessionInfo, Stage } from "./conversation.ts";
import type { DataResult } from "./framing.ts";
import type { Reply } from "./reply.ts";

/**
 * One line of a transcript: the client's (`C`), the server's (`S`), a fault that fired (`F`,
 * before the reply it caused) or an event (`*`).
 */
export interface TranscriptLine {
  readonly side: "C" | "S" | "F" | "*";
  readonly text: string;
}

const CR = 0x0d;
const LF = 0x0a;

/** A command line as text: without its line end, one char per byte (no byte is lost). */
function lineText(line: Uint8Array): string {
  let end = line.length;
  if (line[end - 1] === LF) end--;
  if (end > 0 && line[end - 1] === CR) end--;
  let s = "";
  for (let i = 0; i < end; i++) s += String.fromCharCode(line[i]);
  return s;
}

function dataText(result: DataResult): string {
  if (result.end === "data") {
    return `(message data: ${result.lines} lines, ${result.bytes.length} bytes)`;
  }
  return `(message data: ${result.lines} lines, ${result.end})`;
}

/**
 * @example What a session said
 * ```ts
 * import { Transcript } from "./transcript.ts";
 * const t = new Transcript();
 * t.command(new TextEncoder().encode("EHLO x\r\n"));
 * t.reply({ code: 250, lines: ["ok"] }, "250 ok");
 * console.assert(t.toString() === "C: EHLO x\nS: 250 ok\n");
 * ```
 */
export class Transcript implements Observer {
  /** The session, once it opened. */
  session: SessionInfo | null = null;
  readonly lines: TranscriptLine[] = [];
  /** The session has ended. */
  ended = false;

  open(session: SessionInfo): void {
    this.session = session;
  }

  command(line: Uint8Array): void {
    this.lines.push({ side: "C", text: lineText(line) });
  }

  reply(_reply: Reply, text: string): void {
    for (const line of text.split("\r\n")) this.lines.push({ side: "S", text: line });
  }

  data(result: DataResult): void {
    this.lines.push({ side: "C", text: dataText(result) });
  }

  chunk(bytes: Uint8Array): void {
    this.lines.push({ side: "C", text: `(BDAT chunk: ${bytes.length} bytes)` });
  }

  tls(): void {
    this.lines.push({ side: "*", text: "TLS established" });
  }

  authResponse(): void {
    this.lines.push({ side: "C", text: "(authentication data)" });
  }

  auth(mechanism: string, identity: string | null): void {
    const text = identity === null
      ? `AUTH ${mechanism} failed`
      : `AUTH ${mechanism}: authenticated as ${identity}`;
    this.lines.push({ side: "*", text });
  }

  fault(stage: Stage, rule: string, intervention: Intervention): void {
    const what = rule || (typeof intervention === "string" ? intervention : "intervention");
    const at = rule.startsWith(stage) ? "" : ` (at ${stage})`;
    this.lines.push({ side: "F", text: what + at });
  }

  close(): void {
    this.ended = true;
  }

  /** `C: EHLO x`, `S: 250 …`, `F: rcpt#2 => 452` and `* …` lines, each ending in LF. */
  toString(): string {
    let s = "";
    for (const l of this.lines) s += l.side === "*" ? `* ${l.text}\n` : `${l.side}: ${l.text}\n`;
    return s;
  }
}

/**
 * The transcripts of the latest `max` sessions (older ones are forgotten, so a long-running
 * server keeps bounded memory). `attach` goes into a dialect's hooks.
 */
export class TranscriptStore {
  #kept: Transcript[] = [];

  constructor(readonly max = 100) {}

  /** A new transcript for the session, observing `conversation`. */
  readonly attach = (conversation: { observe(o: Observer): unknown }): void => {
    const t = new Transcript();
    this.#kept.push(t);
    if (this.#kept.length > this.max) this.#kept.shift();
    conversation.observe(t);
  };

  /** Kept transcripts, oldest first. */
  list(): Transcript[] {
    return [...this.#kept];
  }

  clear(): void {
    this.#kept = [];
  }
}
