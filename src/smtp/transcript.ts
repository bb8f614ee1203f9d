/**
 * A per-session transcript: an {@link Observer} on the conversation seam that writes down
 * what each side said, the same for every persona. Credentials sent in an AUTH exchange are
 * never written down, and a message body only by its size.
 */
import type { Intervention, Observer, SessionInfo, Stage } from "./conversation.ts";
import type { DataResult } from "./framing.ts";
import { latin1 } from "./latin1.ts";
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
/** Characters a transcript keeps; later lines are counted, not kept (memory is bounded). */
export const TRANSCRIPT_MAX_CHARS = 64 * 1024;

/** Where a command line's text ends: before its LF and a CR before that. */
function textEnd(line: Uint8Array): number {
  let end = line.length;
  if (line[end - 1] === LF) end--;
  if (end > 0 && line[end - 1] === CR) end--;
  return end;
}

/** A line as read: LF separates lines in the joined form (a reply line cannot carry one). */
function escaped(text: string): string {
  return text.includes("\n") ? text.replaceAll("\n", "\\n") : text;
}

function dataText(result: DataResult): string {
  if (result.end === "data") {
    return `(message data: ${result.lines} lines, ${result.bytes.length} bytes)`;
  }
  return `(message data: ${result.lines} lines, ${result.end})`;
}

/** Side codes in the kept list; `S` marks a reply's whole text, split into lines when read. */
const SIDE_C = 0;
const SIDE_S = 1;
const SIDE_F = 2;
const SIDE_EVENT = 3;
const SIDES: readonly TranscriptLine["side"][] = ["C", "S", "F", "*"];

/**
 * Slots a transcript starts with: a session that sends one message on a new connection
 * needs 24 (a side and a text per line). Made at once, not grown from empty twice.
 */
const KEPT_SLOTS = 32;

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
  /** The session has ended. */
  ended = false;
  /**
   * What was said, as the raw facts: a side code, then its text (a reply's as written, CRLF
   * joined), alternately. Lines are split and escaped only when read: most transcripts are
   * forgotten unread, so a session pays one push per event and no string made for the reader.
   */
  readonly #kept: (number | string)[] = new Array(KEPT_SLOTS);
  /** Slots of {@link #kept} used. */
  #used = 0;
  /** Characters of the kept lines, each counted with a line end of 2. */
  #chars = 0;
  /** Lines past {@link TRANSCRIPT_MAX_CHARS}, counted only. */
  #dropped = 0;

  /**
   * The lines so far, made on each call from the compact form a transcript is kept in (a
   * stored message may refer to it long after the session ended).
   */
  get lines(): readonly TranscriptLine[] {
    const kept = this.#kept;
    const out: TranscriptLine[] = [];
    for (let i = 0; i < this.#used; i += 2) {
      const side = kept[i] as number;
      const text = kept[i + 1] as string;
      if (side !== SIDE_S) out.push({ side: SIDES[side], text: escaped(text) });
      else for (const line of text.split("\r\n")) out.push({ side: "S", text: escaped(line) });
    }
    if (this.#dropped) out.push({ side: "*", text: `(${this.#dropped} more lines not kept)` });
    return out;
  }

  #push(side: number, text: string): void {
    if (this.#fits(text.length)) this.#keep(side, text);
  }

  /** Whether a line of `length` chars is kept; counts it as dropped if not. */
  #fits(length: number): boolean {
    if (this.#chars + length > TRANSCRIPT_MAX_CHARS || this.ended) {
      this.#dropped++;
      return false;
    }
    return true;
  }

  #keep(side: number, text: string): void {
    this.#chars += text.length + 2;
    this.#kept[this.#used++] = side;
    this.#kept[this.#used++] = text;
  }

  open(session: SessionInfo): void {
    this.session = session;
  }

  command(line: Uint8Array): void {
    // The text is made only for a line that is kept: a long session's later lines are not.
    const end = textEnd(line);
    if (this.#fits(end)) this.#keep(SIDE_C, latin1(line, 0, end));
  }

  reply(_reply: Reply, text: string): void {
    // Lines of n chars joined by CRLF: when the whole text fits, so does each line (each
    // counts its chars and 2), and the text is kept as written.
    if (this.#chars + text.length <= TRANSCRIPT_MAX_CHARS && !this.ended) {
      return this.#keep(SIDE_S, text);
    }
    for (const line of text.split("\r\n")) this.#push(SIDE_S, line);
  }

  data(result: DataResult): void {
    this.#push(SIDE_C, dataText(result));
  }

  chunk(bytes: Uint8Array): void {
    this.#push(SIDE_C, `(BDAT chunk: ${bytes.length} bytes)`);
  }

  tls(): void {
    this.#push(SIDE_EVENT, "TLS established");
  }

  authResponse(): void {
    this.#push(SIDE_C, "(authentication data)");
  }

  auth(mechanism: string, identity: string | null): void {
    const text = identity === null
      ? `AUTH ${mechanism} failed`
      : `AUTH ${mechanism}: authenticated as ${identity}`;
    this.#push(SIDE_EVENT, text);
  }

  fault(stage: Stage, rule: string, intervention: Intervention): void {
    const what = rule || (typeof intervention === "string" ? intervention : "intervention");
    const at = rule.startsWith(stage) ? "" : ` (at ${stage})`;
    this.#push(SIDE_F, what + at);
  }

  /** The session ended: later events are counted as lines not kept. */
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
  /** A ring: once full, the next transcript replaces the oldest, at {@link #oldest}. */
  #kept: Transcript[] = [];
  #oldest = 0;
  /** How many are kept: `max` as a count (NaN keeps all, as a length compared with it did). */
  readonly #cap: number;

  constructor(readonly max = 100) {
    this.#cap = Number.isNaN(max) ? Infinity : Math.max(0, Math.floor(max));
  }

  /** A new transcript for the session, observing `conversation`. */
  readonly attach = (conversation: { observe(o: Observer): unknown }): void => {
    const t = new Transcript();
    if (this.#kept.length < this.#cap) this.#kept.push(t);
    else if (this.#cap > 0) {
      this.#kept[this.#oldest] = t;
      this.#oldest = (this.#oldest + 1) % this.#cap;
    }
    conversation.observe(t);
  };

  /** The kept transcript of the session with this id (`Conversation.info.id`), if any. */
  get(sessionId: number): Transcript | undefined {
    // Newest first: a message is mostly looked up soon after its session.
    const n = this.#kept.length;
    for (let k = 1; k <= n; k++) {
      const t = this.#kept[(this.#oldest - k + n) % n];
      if (t.session?.id === sessionId) return t;
    }
    return undefined;
  }

  /** Kept transcripts, oldest first. */
  list(): Transcript[] {
    return [...this.#kept.slice(this.#oldest), ...this.#kept.slice(0, this.#oldest)];
  }

  clear(): void {
    this.#kept = [];
    this.#oldest = 0;
  }
}
