/**
 * The conversation seam: every dialect reads its commands and bodies, writes its replies,
 * upgrades to TLS and runs AUTH exchanges through one {@link Conversation} per session, so
 * that observers (transcripts, lint, capture) see every persona's traffic in one shape and
 * decorators (fault rules) can change what the client gets, whatever the persona.
 *
 * Cost when nothing is attached: none per command. Each method checks for observers and
 * decorators first and otherwise does exactly what the dialect did before the seam (the same
 * promise from the reader, the same cached reply bytes), with no closure, array or parsed
 * reply made.
 */
import { sleep } from "./clock.ts";
import { type DataOptions, type DataResult, LineReader, readData } from "./framing.ts";
import { decodeLine, encodeReply, parseReply, type Reply, replyText } from "./reply.ts";
import type { SessionContext } from "./session.ts";
import type { Address, TlsSession, Wire } from "./wire.ts";

/** The facts of a session an observer is told when it opens. */
export interface SessionInfo {
  /** Unique within the process, in order of opening. */
  readonly id: number;
  readonly remote: Address;
  readonly local: Address;
  /** When the session opened, on the session's clock (milliseconds). */
  readonly openedAt: number;
}

/**
 * Sees a session's traffic; never changes it. Every method is optional and called after the
 * fact (a reply once written, a command once read). An observer must not throw.
 */
export interface Observer {
  open?(session: SessionInfo): void;
  /** A command line as read, line end included. */
  command?(line: Uint8Array): void;
  /**
   * A reply as written (after decorators), and its wire text without the final CRLF;
   * `ahead`: bytes of input already read but not yet consumed when it was written (more
   * than 0: the client sent on without waiting for this reply).
   */
  reply?(reply: Reply, text: string, ahead: number): void;
  /**
   * Input that had arrived before the first reply (the greeting) was written: the client
   * talked early. An observer with this method makes the session read ahead from the moment
   * it is attached (before the greeting); told at most once, before that first reply.
   */
  early?(bytes: Uint8Array): void;
  /** A DATA body was read: its outcome (the bytes when it ended at its `.` line). */
  data?(result: DataResult): void;
  /** A BDAT chunk of `bytes.length` bytes was read. */
  chunk?(bytes: Uint8Array): void;
  /** The session is now protected by TLS. */
  tls?(): void;
  /** An AUTH exchange ended: `identity` is the authenticated user, `null` on failure. */
  auth?(mechanism: string, identity: string | null): void;
  /** A line of an AUTH exchange from the client (credentials: observers should redact). */
  authResponse?(line: Uint8Array): void;
  /**
   * An interceptor acted at `stage` (told before the action takes effect, so a transcript
   * shows it ahead of the reply it causes): `rule` names what fired (`""` when unnamed).
   */
  fault?(stage: Stage, rule: string, intervention: Intervention): void;
  close?(): void;
}

/**
 * What a decorator decides for a reply: write this one (the same or a replacement), write
 * nothing (`null`), or close the connection instead (`"disconnect"`). A promise delays the
 * decision; one that never settles hangs the session until the connection closes.
 */
export type ReplyDecision = Reply | null | "disconnect";

/** May change what the client gets; decorators run in the order attached. */
export interface Decorator {
  reply?(reply: Reply, session: SessionInfo): ReplyDecision | Promise<ReplyDecision>;
}

/**
 * A point of a session where an interceptor (a fault rule, a strict policy) may act instead
 * of the dialect: a command by its verb, `connect` before the greeting, `dot` once a message's
 * data has fully arrived (DATA's final `.` or the last BDAT chunk) and before it is accepted.
 */
export type Stage =
  | "connect"
  | "helo"
  | "mail"
  | "rcpt"
  | "data"
  | "dot"
  | "bdat"
  | "auth"
  | "starttls"
  | "rset"
  | "quit"
  | "other";

/**
 * What an interceptor does at a stage. `rule`, where present, names the cause for observers
 * (a fault rule's text). The plain strings are the unnamed forms of `drop` and `hang`.
 */
export type Intervention =
  /**
   * Answer this reply instead of the dialect, then close the connection when `close` (always
   * for a 4xx/5xx at `connect`: a client refused before the greeting gets nothing more).
   */
  | { readonly reply: Reply; readonly close?: boolean; readonly rule?: string }
  /** Close the connection without a reply. */
  | "drop"
  | { readonly drop: true; readonly rule?: string }
  /** Never answer; ends when the connection closes or the client hangs up. */
  | "hang"
  | { readonly hang: true; readonly rule?: string }
  /** Wait `delay` ms on the session's clock, then let the dialect act (or do `then`). */
  | { readonly delay: number; readonly then?: Intervention; readonly rule?: string }
  /** Write this stage's reply and every later one at `tarpit` bytes per second; go on. */
  | { readonly tarpit: number; readonly rule?: string };

/**
 * Acts before a stage: `undefined` lets the dialect go on (a promise of it delays the stage),
 * an {@link Intervention} replaces what the dialect would have done.
 */
export interface Interceptor {
  before?(
    stage: Stage,
    argument: string,
    session: SessionInfo,
  ): Intervention | undefined | Promise<Intervention | undefined>;
}

const LF = 0x0a;

/** The stage of each verb a dialect knows; any other line is `other`. */
const VERB_STAGES: Readonly<Record<string, Stage>> = {
  HELO: "helo",
  EHLO: "helo",
  LHLO: "helo",
  MAIL: "mail",
  RCPT: "rcpt",
  DATA: "data",
  BDAT: "bdat",
  AUTH: "auth",
  STARTTLS: "starttls",
  RSET: "rset",
  QUIT: "quit",
};

/**
 * The stage of a command line and the argument interceptors match on: the address for MAIL
 * and RCPT (without its angle brackets and parameters), the mechanism for AUTH (never the
 * credentials that may follow), the text after the verb for the other known verbs, and the
 * whole line for `other`. Lenient on purpose: it names the step, the dialect judges syntax.
 */
export function commandStage(line: Uint8Array): { stage: Stage; argument: string } {
  const text = decodeLine(line).replace(/\r?\n$/, "");
  const m = /^\s*(\S+)\s*(.*)$/s.exec(text);
  const verb = m ? m[1].toUpperCase() : "";
  const stage = VERB_STAGES[verb] ??
    (/^(MAIL|RCPT)/.test(verb) ? VERB_STAGES[verb.slice(0, 4)] : undefined);
  if (stage === undefined) return { stage: "other", argument: text.trim() };
  const rest = m![2].trim();
  switch (stage) {
    case "mail":
    case "rcpt":
      return { stage, argument: pathOf(text) };
    case "auth":
      return { stage, argument: rest.split(/\s/, 1)[0] };
    default:
      return { stage, argument: rest };
  }
}

/** The address after `FROM:` / `TO:`: what is inside `<…>`, else the first word. */
function pathOf(text: string): string {
  const colon = text.indexOf(":");
  const after = colon < 0 ? "" : text.slice(colon + 1).trim();
  if (after.startsWith("<")) {
    const end = after.indexOf(">");
    return end < 0 ? after.slice(1) : after.slice(1, end);
  }
  return after.split(/\s/, 1)[0];
}

let lastSessionId = 0;

/**
 * A new list of `list`'s items and `item`: attaching never changes a list being walked. Made
 * at its length (a spread grows its array as it goes, and leaves it larger).
 */
function appended<T>(list: readonly T[], item: T): T[] {
  const out = new Array<T>(list.length + 1);
  for (let i = 0; i < list.length; i++) out[i] = list[i];
  out[list.length] = item;
  return out;
}

/**
 * The observer and decorator lists of a conversation nobody attached to: shared, since adding
 * copies the list anyway (no per-session arrays for the common case).
 */
const NONE: readonly never[] = Object.freeze([]);

/** Replies as observers and decorators get them, by text: dialects send the same few. */
const parsedReplies = new Map<string, Reply>();

/** Most texts {@link parsedReplies} keeps (texts with a queue id are each sent once). */
const MAX_PARSED_REPLIES = 256;

/**
 * {@link parseReply}, shared and frozen per text while the cache has room (a reply's
 * observers never change it).
 */
function parsedReply(text: string): Reply {
  const known = parsedReplies.get(text);
  if (known !== undefined) return known;
  const reply = parseReply(text);
  if (parsedReplies.size >= MAX_PARSED_REPLIES) return reply;
  Object.freeze(reply.lines);
  parsedReplies.set(text, Object.freeze(reply));
  return reply;
}

/** Reads a wire chunk by chunk: the default source, one function for every session. */
function readWire(wire: Wire): () => Promise<Uint8Array | null> {
  return () => wire.read();
}

/** Only the session facts: a transport's wire may tell more (client certificate checks). */
function tlsSession(facts: TlsSession): TlsSession {
  const { version, cipher, servername } = facts;
  return servername === undefined ? { version, cipher } : { version, cipher, servername };
}

/**
 * One session's I/O. Dialects construct it on their SessionContext; the embedder attaches
 * observers and decorators through the dialect's `attach` hook before the greeting.
 *
 * @example A transcript of every session of a dialect
 * ```ts
 * import { Conversation } from "./conversation.ts";
 * import { Transcript } from "./transcript.ts";
 * const transcripts: Transcript[] = [];
 * const attach = (c: Conversation) => c.observe(transcripts[transcripts.length] = new Transcript());
 * console.assert(typeof attach === "function");
 * ```
 */
export class Conversation {
  readonly reader: LineReader;
  readonly #id = ++lastSessionId;
  readonly #openedAt: number;
  /** Built when first asked for: most sessions have no observer and no record that reads it. */
  #info: SessionInfo | null = null;
  #observers: readonly Observer[] = NONE;
  #decorators: readonly Decorator[] = NONE;
  #interceptors: readonly Interceptor[] = NONE;
  readonly #source: (wire: Wire) => () => Promise<Uint8Array | null>;
  #ended = false;
  /** The wire was closed by this conversation (a drop, a hang's end, a reply that closes). */
  #closed = false;
  /** `connect` is still to be gated, before the first reply (the greeting). */
  #connectPending = false;
  /** Tarpit rate in bytes per second; 0: replies are written at once. */
  #rate = 0;
  /** Replies go straight to the wire: no decorator, no pending `connect`, no tarpit. */
  #direct = true;
  /** Nothing has been written yet: interceptors attached now still see `connect`. */
  #noReplyYet = true;
  /**
   * The reader reads ahead of the greeting for `early` observers, until the first reply; what
   * that read brought by then, the reader keeps (see {@link LineReader.takeAhead}).
   */
  #early = false;
  /**
   * The reply whose write observers wait for, when only one does (nearly always): its facts
   * wait here and one handler per conversation tells them, not a closure per reply. The
   * handlers below are made on first use: a conversation nobody observes makes none.
   */
  #held: Reply | null = null;
  #heldText = "";
  #heldAhead = 0;
  #tellHeld: (() => void) | null = null;
  /** The continuation of the reply {@link #held}, given to {@link replyThen}. */
  #heldThen: (() => unknown) | null = null;
  #tellHeldThen: (() => unknown) | null = null;
  /** Hands a command line read without a deadline to observers and interceptors. */
  #commandReadNow:
    | ((line: Uint8Array | null) => Uint8Array | null | Promise<Uint8Array | null>)
    | null = null;
  /** Hands a DATA body read to observers. */
  #dataRead: ((result: DataResult) => DataResult) | null = null;

  constructor(
    readonly ctx: SessionContext,
    options: {
      /** Command-line cap of the reader (see {@link LineReader}). */
      maxLine: number;
      /** How chunks are read from a wire (a dialect may bound each read by a timeout). */
      source?: (wire: Wire) => () => Promise<Uint8Array | null>;
    },
  ) {
    this.#source = options.source ?? readWire;
    this.reader = new LineReader(this.#source(ctx.wire), options.maxLine, ctx.clock);
    this.#openedAt = ctx.clock.now();
  }

  /** The facts of the session observers are told. */
  get info(): SessionInfo {
    return this.#info ??= {
      id: this.#id,
      remote: this.ctx.remote,
      local: this.ctx.local,
      openedAt: this.#openedAt,
    };
  }

  /** Adds an observer; it is told `open` at once. */
  observe(observer: Observer): this {
    this.#observers = appended(this.#observers, observer);
    observer.open?.(this.info);
    if (observer.early && this.#noReplyYet && !this.#early) {
      // A failure is left to its reader's next read to report.
      this.reader.readAhead();
      this.#early = true;
      this.#direct = false;
    }
    return this;
  }

  /** Adds a decorator after those already attached. */
  decorate(decorator: Decorator): this {
    this.#decorators = appended(this.#decorators, decorator);
    this.#direct = false;
    return this;
  }

  /**
   * Adds an interceptor after those already attached. From then on commands are gated by
   * their verb as {@link readCommand} reads them, and `connect` before the first reply.
   */
  intercept(interceptor: Interceptor): this {
    this.#interceptors = appended(this.#interceptors, interceptor);
    this.#connectPending = this.#connectPending || this.#noReplyYet;
    this.#direct = false;
    return this;
  }

  /**
   * Asks the interceptors whether the dialect may act at `stage` (`argument`: the command's
   * argument, the address for MAIL and RCPT). `true`: go on. `false`: an interceptor acted
   * instead (answered, dropped the connection, or hung until it closed), and the dialect must
   * behave as if the step had been refused: no state change, for `dot` the message discarded.
   * Synchronous `true` when nothing is attached or no interceptor acts synchronously, so
   * dialects pay nothing by default.
   */
  gate(stage: Stage, argument: string): boolean | Promise<boolean> {
    const list = this.#interceptors;
    for (let i = 0; i < list.length; i++) {
      const verdict = list[i].before?.(stage, argument, this.info);
      if (verdict === undefined) continue;
      if (verdict instanceof Promise) return this.#gatedFrom(stage, argument, i, verdict);
      return this.#act(stage, verdict);
    }
    return true;
  }

  /** The rest of {@link gate} once interceptor `i` answered with a promise. */
  async #gatedFrom(
    stage: Stage,
    argument: string,
    i: number,
    pending: Promise<Intervention | undefined>,
  ): Promise<boolean> {
    const list = this.#interceptors;
    let verdict = await this.#unlessClosedIntervention(pending);
    for (;;) {
      if (verdict !== undefined) return this.#act(stage, verdict);
      if (++i >= list.length) return true;
      verdict = await this.#unlessClosedIntervention(list[i].before?.(stage, argument, this.info));
    }
  }

  /** Tells observers, then carries out the intervention; `true` when the dialect goes on. */
  #act(stage: Stage, verdict: Intervention): Promise<boolean> {
    const rule = typeof verdict === "string" ? "" : verdict.rule ?? "";
    // The persona's log shows it too: a reply written here bypasses the dialect's own logging.
    this.ctx.log("info", `fault at ${stage}: ${rule || JSON.stringify(verdict)}`);
    for (const o of this.#observers) o.fault?.(stage, rule, verdict);
    return this.#perform(stage, verdict);
  }

  async #perform(stage: Stage, v: Intervention): Promise<boolean> {
    if (this.#closed) return false;
    if (typeof v === "string" || "drop" in v || "hang" in v) {
      if (v === "drop" || (typeof v !== "string" && "drop" in v)) this.close();
      else await this.#hang();
      return false;
    }
    if ("delay" in v) {
      await sleep(this.ctx.clock, v.delay, this.ctx.closed);
      if (this.#closed || this.ctx.closed.aborted) return false;
      return v.then === undefined ? true : this.#perform(stage, v.then);
    }
    if ("tarpit" in v) {
      this.#rate = v.tarpit > 0 ? v.tarpit : 0;
      this.#updateDirect();
      return true;
    }
    const text = replyText(v.reply);
    if (this.#early) await this.#tellEarly();
    const ahead = this.reader.buffered;
    try {
      await this.#write(encodeReply(text));
    } catch {
      this.close(); // the client is gone: the dialect sees the end of input next
      return false;
    }
    this.#replied(v.reply, text, ahead);
    if (v.close || (stage === "connect" && v.reply.code >= 400)) this.close();
    return false;
  }

  /**
   * Never answers: reads and drops what the client sends, so that its hang-up (or a read
   * error, such as the dialect's idle timeout) ends the hang as well as the server closing
   * the connection; then closes.
   */
  async #hang(): Promise<void> {
    const reader = this.reader;
    const drained = (async () => {
      try {
        reader.discardBuffered();
        while (await reader.more()) reader.discardBuffered();
      } catch {
        // a read error ends the hang like the end of input
      }
    })();
    await Promise.race([drained, this.#untilClosed()]);
    this.close();
  }

  /** The verdict, or `"hang"` once the connection closed while it was pending. */
  #unlessClosedIntervention(
    v: Intervention | undefined | Promise<Intervention | undefined>,
  ): Intervention | undefined | Promise<Intervention | undefined> {
    if (!(v instanceof Promise)) return v;
    const closed = this.ctx.closed;
    if (closed.aborted) return "hang";
    return new Promise((resolve, reject) => {
      const onClose = () => resolve("hang");
      closed.addEventListener("abort", onClose, { once: true });
      v.then(resolve, reject).finally(() => closed.removeEventListener("abort", onClose));
    });
  }

  #untilClosed(): Promise<void> {
    const closed = this.ctx.closed;
    if (closed.aborted) return Promise.resolve();
    return new Promise((resolve) =>
      closed.addEventListener("abort", () => resolve(), { once: true })
    );
  }

  /**
   * The next command line, line end included (see {@link LineReader.readLine}: `null` at end
   * of input, a final fragment without LF once, LineTooLongError past the cap). With
   * interceptors, each whole line is gated by its verb first: a command an interceptor
   * answers (or drops, or hangs on) never reaches the dialect, which gets the next one (or
   * `null` once the connection is closed); a refused `BDAT n` has its n bytes read and dropped.
   */
  readCommand(deadline?: number): Promise<Uint8Array | null> {
    if (this.#observers.length === 0 && this.#interceptors.length === 0) {
      return this.reader.readLine(deadline);
    }
    if (deadline === undefined) {
      // Observers told in the reaction that makes the line, not in one more after it.
      return this.reader.readLineThen(this.#commandReadNow ??= this.#commandRead.bind(this));
    }
    return this.#commandReadBy(this.reader.readLine(deadline), deadline);
  }

  /**
   * {@link readCommand}'s reaction with a deadline. Its closure is made here, not in
   * `readCommand`: a function with a closure that captures allocates the captured variables
   * on every call, whether or not the closure is made (likewise below for replies).
   */
  #commandReadBy(
    read: Promise<Uint8Array | null>,
    deadline: number,
  ): Promise<Uint8Array | null> {
    return read.then((line) => this.#commandRead(line, deadline));
  }

  #commandRead(
    line: Uint8Array | null,
    deadline?: number,
  ): Uint8Array | null | Promise<Uint8Array | null> {
    if (line === null || line[line.length - 1] !== LF) return line;
    for (const o of this.#observers) o.command?.(line);
    if (this.#interceptors.length === 0) return line;
    const { stage, argument } = commandStage(line);
    const go = this.gate(stage, argument);
    if (go === true) return line;
    return (go as Promise<boolean>).then(async (ok) => {
      if (ok) return line;
      if (this.#closed || this.ctx.closed.aborted) return null;
      if (stage === "bdat") await this.#skipChunk(argument, deadline);
      return this.readCommand(deadline);
    });
  }

  /** Reads and drops a refused BDAT's chunk, a bounded piece at a time. */
  async #skipChunk(argument: string, deadline?: number): Promise<void> {
    const m = /^(\d{1,15})(?:\s|$)/.exec(argument);
    let rest = m ? Number(m[1]) : 0;
    while (rest > 0) {
      const piece = await this.reader.readBytes(Math.min(rest, 65536), deadline);
      if (piece === null) return;
      rest -= piece.length;
    }
  }

  /** A DATA body through framing's {@link readData}. */
  readData(options: DataOptions): Promise<DataResult> {
    const read = readData(this.reader, options);
    if (this.#observers.length === 0) return read;
    return read.then(this.#dataRead ??= this.#dataArrived.bind(this));
  }

  #dataArrived(result: DataResult): DataResult {
    for (const o of this.#observers) o.data?.(result);
    return result;
  }

  /** Exactly `n` bytes (a BDAT chunk), or `null` at end of input. */
  readChunk(n: number, deadline?: number): Promise<Uint8Array | null> {
    const read = this.reader.readBytes(n, deadline);
    if (this.#observers.length === 0) return read;
    return read.then((bytes) => {
      if (bytes) { for (const o of this.#observers) o.chunk?.(bytes); }
      return bytes;
    });
  }

  /**
   * Writes a reply: `text` is one line or CRLF-joined lines (`250-a\r\n250 b`), without the
   * final CRLF; `parsed`, when the dialect has it, is the same reply as a {@link Reply}
   * (`replyText(parsed) === text`), which observers and decorators then get instead of
   * `text` parsed back. Rejects when the wire does; resolves without writing when a decorator drops
   * the reply, the connection closed while a decorator held it, or an interceptor acted at
   * `connect` instead of this first reply (the greeting).
   */
  reply(text: string, parsed?: Reply): Promise<void> {
    if (!this.#direct && !this.#writableNow()) return this.#replyIndirect(text, parsed);
    const ahead = this.reader.buffered;
    const written = this.#writeNow(text);
    if (this.#observers.length === 0) return written;
    const reply = parsed ?? parsedReply(text);
    if (this.#held !== null) return this.#tellWhenWritten(written, reply, text, ahead);
    this.#hold(reply, text, ahead);
    return written.then(this.#tellHeld ??= this.#tellHeldReply.bind(this));
  }

  /**
   * {@link reply}, then `written()` once written (its value, what the promise resolves to)
   * or `failed(error)` when it is not: `reply(text, parsed).then(written, failed)` in one
   * reaction. Observers are told before `written` runs, as with `then` on {@link reply};
   * where they are told after the write, this saves the promise and turn their telling
   * costs on every reply (a dialect's continuation is taken along instead).
   */
  replyThen<T>(
    text: string,
    parsed: Reply | undefined,
    written: () => T,
    failed: (error: unknown) => T,
  ): Promise<T> {
    if (this.#observers.length === 0 || this.#held !== null) {
      return this.reply(text, parsed).then(written, failed);
    }
    if (!this.#direct && !this.#writableNow()) {
      return this.#replyIndirect(text, parsed).then(written, failed);
    }
    const ahead = this.reader.buffered;
    const write = this.#writeNow(text);
    this.#hold(parsed ?? parsedReply(text), text, ahead);
    this.#heldThen = written;
    const tell = this.#tellHeldThen ??= this.#tellHeldReplyThen.bind(this);
    return write.then(tell, failed) as Promise<T>;
  }

  /**
   * Whether a reply that is not direct may still be written at once: only an `early`
   * observer holds it back, and its look at what came first is then arranged.
   */
  #writableNow(): boolean {
    if (!this.#earlyOnly()) return false;
    this.#lookEarlySoon();
    return true;
  }

  /** Writes `text` as a reply, straight to the wire. */
  #writeNow(text: string): Promise<void> {
    this.#noReplyYet = false;
    return this.ctx.wire.write(encodeReply(text));
  }

  /** `reply` is the one whose write observers wait for (see {@link #held}). */
  #hold(reply: Reply, text: string, ahead: number): void {
    this.#held = reply;
    this.#heldText = text;
    this.#heldAhead = ahead;
  }

  #replyIndirect(text: string, parsed: Reply | undefined): Promise<void> {
    if (this.#early && !this.#connectPending && !this.#closed) {
      return this.#earlyFirst(text, parsed);
    }
    return this.#indirect(text, parsed);
  }

  /**
   * Only an `early` observer holds the first reply back (no decorator, no `connect` to gate,
   * no tarpit): it can be written at once, as if direct, with {@link #lookEarlySoon}.
   */
  #earlyOnly(): boolean {
    return this.#early && !this.#connectPending && !this.#closed && this.#rate === 0 &&
      this.#decorators.length === 0;
  }

  /**
   * The first reply is given (`early` observers must hear of it first): the look at what came
   * before it is taken after one turn, as in {@link #tellEarly}, but with no promise or frame
   * of the reply's waiting for it. Its write, given after this, is heard of after this turn.
   */
  #lookEarlySoon(): void {
    this.#stopEarly();
    Promise.resolve(this).then(Conversation.#lookEarly);
  }

  /** {@link #lookEarlySoon}'s reaction: one function for every conversation. */
  static #lookEarly(conversation: Conversation): void {
    conversation.#noteEarly();
  }

  /**
   * The first reply while an `early` observer holds it back with a decorator and no `connect`
   * is to be gated: what {@link #indirect} does after {@link #tellEarly}'s one turn, without
   * their two async frames.
   */
  #earlyFirst(text: string, parsed: Reply | undefined): Promise<void> {
    this.#noReplyYet = false;
    this.#stopEarly();
    return Promise.resolve().then(() => {
      this.#noteEarly();
      if (this.#decorators.length !== 0) return this.#decorated(text, parsed);
      const ahead = this.reader.buffered;
      return this.#write(encodeReply(text)).then(() =>
        this.#replied(parsed ?? parsedReply(text), text, ahead)
      );
    });
  }

  /** Observers are told of the reply {@link #held} for its write. */
  #tellHeldReply(): void {
    const reply = this.#held!;
    this.#held = null;
    this.#replied(reply, this.#heldText, this.#heldAhead);
  }

  /** {@link #tellHeldReply}, then the continuation {@link replyThen} was given. */
  #tellHeldReplyThen(): unknown {
    const then = this.#heldThen!;
    this.#heldThen = null;
    this.#tellHeldReply();
    return then();
  }

  /** Observers are told of `reply` once `written` (while another reply is held). */
  #tellWhenWritten(written: Promise<void>, reply: Reply, text: string, ahead: number) {
    return written.then(() => this.#replied(reply, text, ahead));
  }

  async #indirect(text: string, parsed: Reply | undefined): Promise<void> {
    this.#noReplyYet = false;
    if (this.#connectPending) {
      this.#connectPending = false;
      this.#updateDirect();
      const go = this.gate("connect", this.ctx.remote.hostname);
      if (go !== true && !(await go)) return;
    }
    if (this.#closed) return;
    if (this.#early) await this.#tellEarly();
    if (this.#decorators.length === 0) {
      const ahead = this.reader.buffered;
      await this.#write(encodeReply(text));
      this.#replied(parsed ?? parsedReply(text), text, ahead);
      return;
    }
    return this.#decorated(text, parsed);
  }

  #updateDirect(): void {
    this.#direct = this.#decorators.length === 0 && !this.#connectPending && this.#rate === 0 &&
      !this.#early;
  }

  /** To the wire, at the tarpit's rate when one is set. */
  #write(bytes: Uint8Array): Promise<void> {
    return this.#rate === 0 ? this.ctx.wire.write(bytes) : this.#slowWrite(bytes);
  }

  /** About ten pieces a second, each written after the time its bytes take at the rate. */
  async #slowWrite(bytes: Uint8Array): Promise<void> {
    const rate = this.#rate;
    const step = Math.max(1, Math.floor(rate / 10));
    for (let at = 0; at < bytes.length; at += step) {
      const piece = bytes.subarray(at, at + step);
      await sleep(this.ctx.clock, (piece.length * 1000) / rate, this.ctx.closed);
      if (this.#closed || this.ctx.closed.aborted) return;
      await this.ctx.wire.write(piece);
    }
  }

  async #decorated(text: string, parsed: Reply | undefined): Promise<void> {
    const original = parsed ?? parsedReply(text);
    let decision: ReplyDecision = original;
    for (const d of this.#decorators) {
      if (!d.reply) continue;
      decision = await this.#unlessClosed(d.reply(decision, this.info));
      if (decision === null || decision === "disconnect") break;
    }
    if (decision === "disconnect") return this.close();
    if (decision === null) return;
    const out = decision === original ? text : replyText(decision);
    const ahead = this.reader.buffered;
    await this.#write(encodeReply(out));
    this.#replied(decision, out, ahead);
  }

  /** The decision, or `null` once the server closes the connection (a hung reply ends). */
  #unlessClosed(
    decision: ReplyDecision | Promise<ReplyDecision>,
  ): ReplyDecision | Promise<ReplyDecision> {
    if (!(decision instanceof Promise)) return decision;
    const closed = this.ctx.closed;
    if (closed.aborted) return null;
    return new Promise((resolve, reject) => {
      const onClose = () => resolve(null);
      closed.addEventListener("abort", onClose, { once: true });
      decision.then(resolve, reject).finally(() => closed.removeEventListener("abort", onClose));
    });
  }

  #replied(reply: Reply, text: string, ahead: number): void {
    for (const o of this.#observers) o.reply?.(reply, text, ahead);
  }

  /**
   * Before the first reply: tells `early` observers the chunk read ahead if it had already
   * arrived. A read settled by now has its reader's reaction (registered when it began)
   * queued ahead of this one turn's, so after the turn its chunk is known: no timer, no race.
   */
  async #tellEarly(): Promise<void> {
    this.#stopEarly();
    await undefined;
    this.#noteEarly();
  }

  #stopEarly(): void {
    this.#early = false;
    this.#updateDirect();
  }

  /** What {@link #tellEarly} does after its turn. */
  #noteEarly(): void {
    const chunk = this.reader.takeAhead();
    if (chunk !== undefined && chunk !== null && chunk.length > 0) {
      for (const o of this.#observers) o.early?.(chunk);
    }
  }

  /**
   * The server side of a TLS handshake over the current wire (`upgrade` defaults to the
   * context's); from then on replies go to and input comes from the protected wire, and
   * plaintext read ahead of the handshake is dropped (RFC 3207 §5).
   */
  async startTls(upgrade: () => Promise<Wire> = this.ctx.upgradeTls!): Promise<Wire> {
    const wire = await upgrade();
    this.ctx.wire = wire;
    if (wire.tls) this.ctx.tls = tlsSession(wire.tls);
    this.reader.replaceSource(this.#source(wire));
    for (const o of this.#observers) o.tls?.();
    return wire;
  }

  /**
   * One step of an AUTH exchange: writes the challenge reply (`334 …`) and reads the
   * client's answer line, shown to observers as an AUTH response rather than a command.
   */
  async authStep(challenge: string, deadline?: number): Promise<Uint8Array | null> {
    await this.reply(challenge);
    return this.readAuthResponse(deadline);
  }

  /** A line of an AUTH exchange (like {@link readCommand}, but shown as an AUTH response). */
  readAuthResponse(deadline?: number): Promise<Uint8Array | null> {
    const read = this.reader.readLine(deadline);
    if (this.#observers.length === 0) return read;
    return read.then((line) => {
      if (line !== null) { for (const o of this.#observers) o.authResponse?.(line); }
      return line;
    });
  }

  /** Tells observers how an AUTH exchange ended (`null`: it failed). */
  authenticated(mechanism: string, identity: string | null): void {
    for (const o of this.#observers) o.auth?.(mechanism, identity);
  }

  /** Closes the wire (safe twice) and ends the conversation. */
  close(): void {
    this.#closed = true;
    this.ctx.wire.close();
    this.end();
  }

  /** The session is over (the wire is the server's to close): observers are told, once. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const o of this.#observers) o.close?.();
  }
}
