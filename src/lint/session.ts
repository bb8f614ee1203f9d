/**
 * One session's lint: an {@link Observer} on its conversation that keeps the protocol state
 * the rules need (greeting, what EHLO advertised, TLS, the transaction) and the findings so
 * far. A session finding is reported once per id, at its first occurrence.
 */
import type { Observer } from "../smtp/conversation.ts";
import type { DataResult } from "../smtp/framing.ts";
import type { ReceivedMessage } from "../smtp/message.ts";
import type { EsmtpParams } from "../smtp/params.ts";
import type { Reply } from "../smtp/reply.ts";
import type { Finding, FindingId } from "./finding.ts";
import { finding } from "./catalogue.ts";
import { escapeBytes } from "./escape.ts";
import { commandLineEnding } from "./line_endings.ts";
import { messageFindings, type MessageInput } from "./message.ts";
import { nonAscii } from "./eightbit.ts";
import { latin1Text } from "./headers.ts";
import { GROUP_ENDERS, RSET_STORM } from "./protocol.ts";
import { heloProblemOf, mailParams } from "./command_args.ts";

/** Findings counted by id. */
export type LintCounts = Partial<Record<FindingId, number>>;

/** What a session tells its linter. */
export interface SessionEvents {
  /** A message's data arrived; `findings` are the session's so far and its own. */
  message(data: Uint8Array, findings: readonly Finding[]): void;
  close(session: SessionLint): void;
}

/** The transaction since MAIL FROM. */
interface Transaction {
  readonly params: EsmtpParams;
  /**
   * BDAT chunks so far (their first `maxScan` bytes; made at the first, as DATA has none),
   * and whether the last BDAT said LAST.
   */
  chunks: Uint8Array[] | null;
  /** Bytes of every BDAT chunk so far, those past `maxScan` included. */
  size: number;
  last: boolean;
}

/** `AUTH MECH ...` with the line's own ending: an AUTH line as evidence may show. */
function withoutCredentials(line: Uint8Array, text: string): Uint8Array {
  const words = text.split(/[ \t]+/);
  const shown = words.slice(0, 2).join(" ") + (words.length > 2 ? " ..." : "");
  const ending = line.subarray(text.length);
  const out = new Uint8Array(shown.length + ending.length);
  for (let i = 0; i < shown.length; i++) out[i] = shown.charCodeAt(i) & 0xff;
  out.set(ending, shown.length);
  return out;
}

/** Where a line's text ends: before its final LF or CRLF. */
function textEnd(raw: Uint8Array): number {
  const n = raw.length;
  if (raw[n - 1] !== 0x0a) return n;
  return n >= 2 && raw[n - 2] === 0x0d ? n - 2 : n - 1;
}

/** A command line as Latin-1 text (one char per byte), without its line end. */
function lineText(raw: Uint8Array): string {
  const end = textEnd(raw);
  return latin1Text(raw, 0, end);
}

/** The verbs of the commands clients send most, as {@link verbOf} finds them. */
const VERBS = ["EHLO", "HELO", "MAIL", "RCPT", "DATA", "QUIT", "RSET", "NOOP", "BDAT", "AUTH"];

/**
 * The verb of `raw[0, end)` (upper case): a common one read off the bytes as its constant,
 * without a string made per command; any other as its text.
 */
function verbOf(raw: Uint8Array, end: number): string {
  if (end === 4) {
    for (let v = 0; v < VERBS.length; v++) {
      if (sameLetters(raw, VERBS[v])) return VERBS[v];
    }
  }
  return latin1Text(raw, 0, end).toUpperCase();
}

/** Whether `raw` starts with the ASCII letters of `verb` (upper case), in either case. */
function sameLetters(raw: Uint8Array, verb: string): boolean {
  for (let i = 0; i < verb.length; i++) {
    if ((raw[i] | 0x20) !== (verb.charCodeAt(i) | 0x20)) return false;
  }
  return true;
}

/**
 * A command line as evidence shows it: text made only when a rule fires (a function, not a
 * closure per command: clean commands cost nothing).
 */
function shown(lineNo: number, line: Uint8Array): string {
  return `line ${lineNo}: "${escapeBytes(line)}"`;
}

/** No findings: a session's and its current message's until they have one (never changed). */
const NONE: readonly Finding[] = [];

/** Messages whose record was not yet asked for, by order (BDAT records are new arrays). */
const KEEP_MESSAGES = 8;

/**
 * The observer a `Linter` attaches per session: it tracks what the rules need and tells
 * the linter each message's findings and the session's end.
 */
export class SessionLint implements Observer {
  /** {@link NONE} until the first: most sessions have none. */
  #findings: readonly Finding[] = NONE;
  /** Made at the first finding: most sessions have none. An object, as `counts()` shows it. */
  #counts: LintCounts | null = null;
  #line = 0;
  #greeted: "EHLO" | "HELO" | null = null;
  /** The lines of the last EHLO's 250 reply (the first is the server's name). */
  #advertised: readonly string[] | null = null;
  #tls = false;
  #quit = false;
  #rsets = 0;
  #lastVerb = "";
  #lastCommand: Uint8Array | null = null;
  #tx: Transaction | null = null;
  /** The findings of the message whose data arrived last, until the next transaction. */
  #current: readonly Finding[] = NONE;
  /** Recent messages' sizes and findings, for records that are not the bytes read. */
  readonly #recent: { length: number; findings: readonly Finding[] }[] = [];

  constructor(
    readonly id: number,
    readonly maxScan: number,
    readonly events: SessionEvents,
  ) {}

  /** Session findings so far. */
  get sessionFindings(): readonly Finding[] {
    return this.#findings;
  }

  #add(id: FindingId, evidence: string, line?: number): void {
    this.#add1(finding(id, evidence, line));
  }

  #add1(f: Finding): void {
    if (this.#findings.some((g) => g.id === f.id)) return;
    this.#findings = this.#findings.concat(f);
    this.#count(f.id);
  }

  #count(id: FindingId): void {
    const counts = this.#counts ??= {};
    counts[id] = (counts[id] ?? 0) + 1;
  }

  early(bytes: Uint8Array): void {
    this.#add("early-talker", `before the greeting: "${escapeBytes(bytes)}"`, 1);
  }

  command(raw: Uint8Array): void {
    const lineNo = ++this.#line;
    // The argument is made only for the verbs whose rules read it.
    const end = textEnd(raw);
    let space = 0;
    while (space < end && raw[space] !== 0x20 && raw[space] !== 0x09) space++;
    const verb = verbOf(raw, space);
    const argAt = Math.min(space + 1, end);
    // Evidence never shows an AUTH command's initial response (credentials).
    const line = verb === "AUTH" ? withoutCredentials(raw, lineText(raw)) : raw;
    const ending = commandLineEnding(line, lineNo);
    if (ending) this.#add1(ending);
    this.#lastVerb = verb;
    this.#lastCommand = line;
    switch (verb) {
      case "EHLO":
      case "HELO": {
        this.#greeted = verb;
        this.#advertised = null;
        this.#tx = null;
        const problem = heloProblemOf(raw, argAt, end);
        if (problem) this.#add("helo-invalid", `${shown(lineNo, line)}: ${problem}`, lineNo);
        break;
      }
      case "MAIL": {
        if (!this.#greeted) {
          this.#add(
            "no-ehlo",
            `${shown(lineNo, line)}: no EHLO or HELO${this.#tls ? " since STARTTLS" : ""}`,
            lineNo,
          );
        }
        const params = mailParams(raw, argAt, end);
        this.#tx = { params, chunks: null, size: 0, last: false };
        this.#current = NONE;
        if (params.SMTPUTF8 === undefined && nonAscii(line)) {
          this.#add(
            "utf8-address-without-smtputf8",
            `${shown(lineNo, line)}: no SMTPUTF8 parameter`,
            lineNo,
          );
        }
        break;
      }
      case "RCPT":
        if (this.#tx?.params.SMTPUTF8 === undefined && nonAscii(line)) {
          this.#add(
            "utf8-address-without-smtputf8",
            `${shown(lineNo, line)}: MAIL FROM had no SMTPUTF8`,
            lineNo,
          );
        }
        break;
      case "RSET":
        this.#tx = null;
        if (++this.#rsets === RSET_STORM) {
          this.#add(
            "rset-storm",
            `line ${lineNo}: RSET number ${RSET_STORM} without a message between`,
            lineNo,
          );
        }
        break;
      case "AUTH":
        if (!this.#tls) {
          const mech = latin1Text(raw, argAt, end).split(/[ \t]/)[0];
          this.#add(
            "auth-cleartext",
            `line ${lineNo}: AUTH ${mech} on a connection without TLS`,
            lineNo,
          );
        }
        break;
      case "BDAT":
        if (this.#tx) this.#tx.last = /[ \t]LAST\s*$/i.test(lineText(raw));
        break;
      case "QUIT":
        this.#quit = true;
        break;
    }
  }

  authResponse(): void {
    this.#line++;
  }

  reply(reply: Reply, _text: string, ahead: number): void {
    // Only PIPELINING is ever looked up, and only for a client that sent ahead: keep the
    // lines, read them then.
    if (this.#lastVerb === "EHLO" && reply.code === 250) this.#advertised = reply.lines;
    if (ahead > 0 && this.#lastCommand) this.#sentAhead(reply, ahead);
  }

  /** Whether the last EHLO reply offered PIPELINING. */
  #pipeliningOffered(): boolean {
    const lines = this.#advertised;
    if (!lines) return false;
    for (let i = 1; i < lines.length; i++) {
      if (lines[i].split(" ")[0].toUpperCase() === "PIPELINING") return true;
    }
    return false;
  }

  /** The client sent more before this reply: fine only within a PIPELINING group. */
  #sentAhead(reply: Reply, ahead: number): void {
    const verb = this.#lastVerb;
    if (verb === "QUIT" || reply.code === 221 || reply.code === 421) return;
    const offered = this.#pipeliningOffered();
    // A message's end may be followed by the next command at once within a group.
    if (offered && !GROUP_ENDERS.has(verb)) return;
    const what = verb === "." ? "the end of data" : `"${escapeBytes(this.#lastCommand!)}"`;
    this.#add(
      "unadvertised-pipelining",
      `line ${this.#line}: ${ahead} bytes sent after ${what} before its ${reply.code} reply` +
        (offered ? ` (${verb} must end a PIPELINING group)` : " (PIPELINING not offered)"),
      this.#line,
    );
  }

  data(result: DataResult): void {
    this.#line += result.lines + 1;
    this.#lastVerb = ".";
    if (result.end !== "data") return;
    this.#arrived(result.bytes);
  }

  chunk(bytes: Uint8Array): void {
    const tx = this.#tx;
    if (!tx) return;
    // Only what the checks read is kept (a copy when cut, so the chunk itself can go).
    const room = this.maxScan - Math.min(tx.size, this.maxScan);
    const chunks = tx.chunks ??= [];
    if (room > 0) chunks.push(bytes.length <= room ? bytes : bytes.slice(0, room));
    tx.size += bytes.length;
    if (!tx.last) return;
    const data = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) data.set(c, (at += c.length) - c.length);
    chunks.length = 0;
    this.#arrived(data, tx.size);
    tx.size = 0;
  }

  /** A message's data has fully arrived: its findings, for the record and a `dot` gate. */
  #arrived(data: Uint8Array, size = data.length): void {
    this.#rsets = 0;
    const own = messageFindings({ data, size, mailParams: this.#tx?.params }, this);
    for (const f of own) this.#count(f.id);
    // The session's findings so far, then the message's own: `own` itself (a list of its
    // own, only read through copies) when the session has none, as nearly always.
    const findings = this.#findings.length === 0 ? own : this.#findings.concat(own);
    this.#current = findings;
    this.#recent.push({ length: size, findings });
    if (this.#recent.length > KEEP_MESSAGES) this.#recent.shift();
    this.events.message(data, findings);
  }

  tls(): void {
    this.#tls = true;
    this.#greeted = null;
    this.#advertised = null;
    this.#tx = null;
  }

  close(): void {
    if (!this.#quit) {
      this.#add("no-quit", `the connection closed after ${this.#line} lines without QUIT`);
    }
    this.events.close(this);
  }

  /** The findings of the message whose data arrived last (for a `dot` interceptor). */
  current(): Finding[] {
    return [...this.#current];
  }

  /**
   * The findings of a record of this session whose bytes are not those read (BDAT): the
   * recent message of the same size, else its own findings computed now (not counted).
   */
  findingsOf(message: Pick<ReceivedMessage, "data" | "mailParams">): Finding[] {
    const i = this.#recent.findIndex((r) => r.length === message.data.length);
    if (i >= 0) return [...this.#recent.splice(i, 1)[0].findings];
    const input: MessageInput = message;
    return [...this.#findings, ...messageFindings(input, this)];
  }

  /** Every finding so far (session and messages), counted by id; `null` while there is none. */
  get counted(): Readonly<LintCounts> | null {
    return this.#counts;
  }

  /** Every finding so far (session and messages), counted by id. */
  counts(): LintCounts {
    return { ...this.#counts };
  }
}
