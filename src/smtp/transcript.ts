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

/** A line as kept: LF separates lines in the joined form (a reply line cannot carry one). */
function escaped(text: string): string {
  return text.includes("\n") ? text.replaceAll("\n", "\\n") : text;
}

/** One reply line as a transcript keeps it, with the length it counts for. */
interface KeptLine {
  readonly length: number;
  readonly kept: string;
}

/** The kept lines of frozen replies (a dialect's constant ones), made once per reply. */
const keptReplies = new WeakMap<Reply, { text: string; lines: readonly KeptLine[] }>();

/** The lines of a frozen `reply` written as `text`, as a transcript keeps them. */
function keptLines(reply: Reply, text: string): readonly KeptLine[] {
  const known = keptReplies.get(reply);
  if (known !== undefined && known.text === text) return known.lines;
  const lines = text.split("\r\n").map((l) => ({ length: l.length, kept: "S" + escaped(l) }));
  keptReplies.set(reply, { text, lines });
  return lines;
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
  /** The session has ended. */
  ended = false;
  /** While the session runs: one string per line, the side first (`"CEHLO x"`). */
  #live: string[] | null = [];
  /** Once it ended: the same lines joined by LF, one string. */
  #done = "";
  #chars = 0;
  /** Lines past {@link TRANSCRIPT_MAX_CHARS}, counted only. */
  #dropped = 0;

  /**
   * The lines so far, made on each call from the compact form a transcript is kept in (a
   * stored message may refer to it long after the session ended).
   */
  get lines(): readonly TranscriptLine[] {
    const raw = this.#live ?? (this.#done ? this.#done.split("\n") : []);
    const out: TranscriptLine[] = raw.map((l) => ({
      side: l[0] as TranscriptLine["side"],
      text: l.slice(1),
    }));
    if (this.#dropped) out.push({ side: "*", text: `(${this.#dropped} more lines not kept)` });
    return out;
  }

  #push(side: TranscriptLine["side"], text: string): void {
    if (!this.#fits(text.length)) return;
    this.#keep(side, text);
  }

  /** Whether a line of `length` chars is kept; counts it as dropped if not. */
  #fits(length: number): boolean {
    if (this.#chars + length > TRANSCRIPT_MAX_CHARS || !this.#live) {
      this.#dropped++;
      return false;
    }
    return true;
  }

  #keep(side: TranscriptLine["side"], text: string): void {
    this.#chars += text.length + 2;
    this.#live!.push(side + escaped(text));
  }

  open(session: SessionInfo): void {
    this.session = session;
  }

  command(line: Uint8Array): void {
    // The text is made only for a line that is kept: a long session's later lines are not.
    const end = textEnd(line);
    if (this.#fits(end)) this.#keep("C", latin1(line, 0, end));
  }

  reply(reply: Reply, text: string): void {
    // A constant reply's lines are kept as made the first time (EHLO's, once per session).
    if (Object.isFrozen(reply)) {
      for (const line of keptLines(reply, text)) {
        if (!this.#fits(line.length)) continue;
        this.#chars += line.length + 2;
        this.#live!.push(line.kept);
      }
      return;
    }
    // Most replies are one line: no array of one.
    if (!text.includes("\n")) return this.#push("S", text);
    for (const line of text.split("\r\n")) this.#push("S", line);
  }

  data(result: DataResult): void {
    this.#push("C", dataText(result));
  }

  chunk(bytes: Uint8Array): void {
    this.#push("C", `(BDAT chunk: ${bytes.length} bytes)`);
  }

  tls(): void {
    this.#push("*", "TLS established");
  }

  authResponse(): void {
    this.#push("C", "(authentication data)");
  }

  auth(mechanism: string, identity: string | null): void {
    const text = identity === null
      ? `AUTH ${mechanism} failed`
      : `AUTH ${mechanism}: authenticated as ${identity}`;
    this.#push("*", text);
  }

  fault(stage: Stage, rule: string, intervention: Intervention): void {
    const what = rule || (typeof intervention === "string" ? intervention : "intervention");
    const at = rule.startsWith(stage) ? "" : ` (at ${stage})`;
    this.#push("F", what + at);
  }

  /** The session ended: its lines become one string (no object per line is kept). */
  close(): void {
    this.ended = true;
    if (this.#live) this.#done = this.#live.join("\n");
    this.#live = null;
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
