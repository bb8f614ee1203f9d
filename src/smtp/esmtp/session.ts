/**
 * The serve dialect's session loop: greeting, one guard before every verb, RFC 5321
 * sequencing with enhanced status codes, and the handlers of each verb. All I/O goes through
 * the {@link Conversation}; storage and credentials belong to the embedder ({@link EsmtpHooks}).
 */
import { Conversation } from "../conversation.ts";
import { type DataOptions, GrowingBody, LineTooLongError } from "../framing.ts";
import { type DeliveryResult, smtpErrorResult } from "../message.ts";
import { type Reply, replyText } from "../reply.ts";
import type { SessionContext } from "../session.ts";
import { TimeoutError } from "../wire.ts";
import { authenticate } from "./auth.ts";
import { bareLineEnding, DROP_PIECE, SERVE_ENDING } from "./body.ts";
import { checkMailbox, commandLine, parseCommand, pathArgument } from "./command.ts";
import {
  type AuthMechanism,
  type EsmtpConfig,
  type EsmtpHooks,
  type EsmtpSessionEnd,
  EXTENSIONS,
} from "./config.ts";
import { EarlyTalker, ErrorBudget, isHttpRequest } from "./guard.ts";
import { IdleTimeout } from "./idle.ts";
import { isReply, mailFacts, rcptParams } from "./mail_params.ts";
import {
  chunkReply,
  earlyTalkerReply,
  ehloReply,
  greetingReply,
  heloReply,
  queuedReply,
  REPLY,
  shuttingDownReply,
  timeoutReply,
  tooManyErrorsReply,
} from "./replies.ts";
import { buildRecord, type SessionFacts, type Transaction } from "./transaction.ts";

/** A reply could not be written, or a read failed: the peer is gone. */
class PeerGone extends Error {}

/** A failed read as the session sees it: {@link PeerGone}; a line cap or timeout stays itself. */
function inputError(e: unknown): unknown {
  return e instanceof LineTooLongError || e instanceof TimeoutError ? e : new PeerGone();
}

function rethrowInput(e: unknown): never {
  throw inputError(e);
}

/**
 * `read`, failing as {@link inputError} says. A `catch`, not an async function: one promise
 * per read instead of an async function's promise and frame.
 */
function input<T>(read: Promise<T>): Promise<T> {
  return read.catch(rethrowInput);
}

/** A reply was written: a handler's "read the next command". */
const wrote = (): null => null;

function replyFailed(): never {
  throw new PeerGone();
}

/** Ends the session from deep inside a handler. */
class SessionOver extends Error {
  constructor(readonly end: EsmtpSessionEnd) {
    super(end);
  }
}

/** A line of an AUTH exchange was longer than the command-line cap (and was dropped). */
class AuthLineTooLong extends Error {}

/**
 * The texts of frozen replies (the catalogue's, and the greeting and EHLO replies made once
 * per config): built once, and the same string each time, so the seam's cache of encoded
 * replies finds it without hashing a new string.
 */
const frozenTexts = new WeakMap<Reply, string>();

function textOf(reply: Reply): string {
  if (!Object.isFrozen(reply)) return replyText(reply);
  let text = frozenTexts.get(reply);
  if (text === undefined) frozenTexts.set(reply, text = replyText(reply));
  return text;
}

/** Replies that depend only on the config (EHLO's also on the session's TLS), by config. */
const configReplies = new WeakMap<EsmtpConfig, Map<string, Reply>>();

/** What a handler returns: `null` to read the next command, or how the session ends. */
type Next = EsmtpSessionEnd | null;

/** `() => end` for each way a session ends, made once. */
const endings = new Map<EsmtpSessionEnd, () => EsmtpSessionEnd>();

function endingAs(end: EsmtpSessionEnd): () => EsmtpSessionEnd {
  let ending = endings.get(end);
  if (!ending) endings.set(end, ending = constant(end));
  return ending;
}

/** Apart from {@link endingAs}: its closure would allocate on every call of that. */
function constant(end: EsmtpSessionEnd): () => EsmtpSessionEnd {
  return () => end;
}

/** One serve session on its context: {@link EsmtpSession.run} talks it to its end. */
export class EsmtpSession {
  readonly #conv: Conversation;
  readonly #idle: IdleTimeout;
  readonly #errors: ErrorBudget;
  readonly #early: EarlyTalker | null;
  readonly #startedAt: Date;
  #helo = "";
  #heloVerb: "HELO" | "EHLO" | null = null;
  #tls: boolean;
  #authUser: string | undefined;
  #authMechanism: AuthMechanism | undefined;
  #tx: Transaction | null = null;
  #messages = 0;
  /** The `421` of an expired idle timeout, while it is being written. */
  #expiring: Promise<unknown> | null = null;

  constructor(
    private readonly ctx: SessionContext,
    private readonly cfg: EsmtpConfig,
    private readonly hooks: EsmtpHooks,
  ) {
    this.#idle = new IdleTimeout(ctx.clock, cfg.idleTimeoutMs, () => this.#expire());
    this.#conv = new Conversation(ctx, { maxLine: cfg.maxCommandLine, source: this.#idle.source });
    this.#errors = new ErrorBudget(cfg.maxErrors);
    this.#tls = ctx.tls !== undefined;
    this.#startedAt = hooks.now();
    hooks.attach?.(this.#conv);
    // Only when refusing: an `early` observer makes every session read ahead.
    this.#early = cfg.earlyTalkers === "reject" ? new EarlyTalker(this.#conv) : null;
  }

  /**
   * Runs the session to its end; never throws for anything the client does. The conversation
   * is talked here, not in an async method of its own: that was a frame and a promise more
   * per connection, and one more turn before its end.
   */
  async run(): Promise<EsmtpSessionEnd> {
    let end: EsmtpSessionEnd;
    try {
      await this.#send(
        this.#configReply(
          "greeting",
          () => greetingReply(this.cfg.hostname, this.cfg.greetingText),
        ),
      );
      for (;;) {
        // Read here, not in a method of its own: an async call per command is a promise and
        // a frame more.
        let line: Uint8Array | "too-long" | null;
        try {
          line = await this.#conv.readCommand();
          // A final fragment without a line end: the client has gone, nothing to answer.
          if (this.#idle.expired || line === null || line[line.length - 1] !== 0x0a) line = null;
        } catch (e) {
          if (!(e instanceof LineTooLongError)) throw inputError(e);
          line = await this.#dropTooLong();
        }
        let next: Next;
        if (line === null) {
          end = this.ctx.closed.aborted ? "closed" : "eof";
          break;
        }
        if (line === "too-long") next = await this.#refuse(REPLY.lineTooLong);
        else next = await this.#command(line);
        if (next !== null) {
          end = next;
          break;
        }
      }
    } catch (e) {
      end = await this.#ended(e);
    } finally {
      this.#idle.stop();
    }
    if (this.#idle.expired) {
      await this.#expiring;
      end = "timeout";
    }
    this.#conv.close(); // safe twice: the server closes the connection too
    this.ctx.log("debug", `session ended (${end})`);
    return end;
  }

  async #ended(e: unknown): Promise<EsmtpSessionEnd> {
    if (e instanceof SessionOver) return e.end;
    // Reads carry no deadline (the idle timeout closes instead), but a transport may time out.
    if (e instanceof TimeoutError) {
      await this.#send(timeoutReply(this.cfg.hostname)).catch(() => {});
      return "timeout";
    }
    // Reads and writes that fail are PeerGone; anything else is a fault of this code or of a
    // hook, logged so that tests see it, and the session still ends quietly.
    if (!(e instanceof PeerGone)) this.ctx.log("err", `session failed: ${String(e)}`);
    return "closed";
  }

  /**
   * The idle time passed while the session waited for input: answer and close, which ends
   * the pending read (the session then sees the end of input, or stops at its next read).
   */
  #expire(): void {
    this.#expiring = this.#send(timeoutReply(this.cfg.hostname)).catch(() => {})
      .finally(() => this.#conv.close());
  }

  /** A command line over the cap: dropped whole, and reported once. */
  async #dropTooLong(): Promise<"too-long" | null> {
    const dropped = await input(this.#conv.reader.dropLine());
    return dropped === null || this.#idle.expired ? null : "too-long";
  }

  // ---------------------------------------------------------------------------------------
  // Replies

  /** The reply as sent: without its enhanced code when ENHANCEDSTATUSCODES is disabled. */
  #sent(reply: Reply): Reply {
    if (reply.enhanced !== undefined && this.cfg.disabled.has("ENHANCEDSTATUSCODES")) {
      return { code: reply.code, lines: reply.lines };
    }
    return reply;
  }

  #text(reply: Reply): string {
    return textOf(this.#sent(reply));
  }

  /**
   * Writes `reply`; resolves to `null` (a handler's "read the next command") once written.
   * Not an async function: one reply per command, each saving an async function's frame.
   */
  #send(reply: Reply): Promise<null> {
    let sent: Reply;
    try {
      sent = this.#sent(reply);
    } catch (e) {
      return Promise.reject(e);
    }
    try {
      // The Reply goes along, so observers need not parse the text back; the continuation
      // too, so that observers are told in the same reaction.
      return this.#conv.replyThen(textOf(sent), sent, wrote, replyFailed);
    } catch {
      return Promise.reject(new PeerGone());
    }
  }

  /** Answers a refused command: counted, and one too many ends the session instead. */
  async #refuse(reply: Reply): Promise<Next> {
    if (!this.#errors.exceeded()) {
      await this.#send(reply);
      return null;
    }
    await this.#send(tooManyErrorsReply(this.cfg.hostname));
    return "errors";
  }

  /** Answers `reply`; a 5xx counts as a refusal. */
  #answer(reply: Reply): Promise<Next> {
    if (reply.code >= 500) return this.#refuse(reply);
    return this.#send(reply);
  }

  // ---------------------------------------------------------------------------------------
  // The guard and the verbs

  /**
   * Not an async function: a handler's promise is handed on as it is, where an async
   * function would wrap it in one more (and take two more turns to settle).
   */
  #command(line: Uint8Array): Promise<Next> {
    const { text, end, bareCr } = commandLine(line);
    if (this.#early?.seen) return this.#sendAndEnd(earlyTalkerReply(this.cfg.hostname), "early");
    if (isHttpRequest(text)) return this.#sendAndEnd(REPLY.http, "http");
    if (this.ctx.stopping.aborted) {
      return this.#sendAndEnd(shuttingDownReply(this.cfg.hostname), "closed");
    }
    if (this.cfg.bareLineEndings === "reject" && (end !== "crlf" || bareCr)) {
      return this.#refuse(end !== "crlf" ? REPLY.bareLf : REPLY.bareCr);
    }
    const { verb, arg } = parseCommand(text);
    const known = VERBS.has(verb) && (verb !== "BDAT" || this.#enabled("CHUNKING"));
    if (this.cfg.requireTls && !this.#tls && known && !BEFORE_TLS.has(verb)) {
      if (verb === "BDAT") return this.#bdatRefused(arg, REPLY.tlsRequired);
      return this.#refuse(REPLY.tlsRequired);
    }
    switch (verb) {
      case "EHLO":
      case "HELO":
        return this.#hello(verb, arg);
      case "MAIL":
        return this.#mail(arg);
      case "RCPT":
        return this.#rcpt(arg);
      case "DATA":
        return this.#data(arg);
      case "BDAT":
        if (!this.#enabled("CHUNKING")) break;
        return this.#bdat(arg);
      case "RSET":
        if (arg) return this.#refuse(REPLY.syntaxRset);
        this.#tx = null;
        return this.#answer(REPLY.ok);
      case "NOOP":
        return this.#answer(REPLY.ok);
      case "QUIT":
        if (arg) return this.#refuse(REPLY.syntaxQuit);
        return this.#sendAndEnd(REPLY.bye, "quit");
      case "VRFY":
        return this.#answer(arg ? REPLY.vrfy : REPLY.syntaxVrfy);
      case "EXPN":
        return this.#refuse(REPLY.notImplemented);
      case "HELP":
        return this.#answer(REPLY.help);
      case "STARTTLS":
        return this.#starttls(arg);
      case "AUTH":
        return this.#auth(arg);
    }
    return this.#refuse(REPLY.unrecognized);
  }

  /** Answers `reply`, then the session ends as `end` (a reaction made once per end). */
  #sendAndEnd(reply: Reply, end: EsmtpSessionEnd): Promise<Next> {
    return this.#send(reply).then(endingAs(end));
  }

  /** An extension is on (not disabled; BINARYMIME needs CHUNKING). */
  #enabled(extension: string): boolean {
    if (this.cfg.disabled.has(extension)) return false;
    return extension !== "BINARYMIME" || !this.cfg.disabled.has("CHUNKING");
  }

  /** An extension the client may use now: on, and the session greeted with EHLO. */
  readonly #offered = (extension: string): boolean =>
    this.#heloVerb === "EHLO" && this.#enabled(extension);

  get #canStartTls(): boolean {
    return this.ctx.upgradeTls !== undefined && !this.#tls && this.#enabled("STARTTLS");
  }

  get #authMechanisms(): readonly AuthMechanism[] {
    return this.#enabled("AUTH") ? this.cfg.authMechanisms : [];
  }

  #extensions(): string[] {
    const lines: string[] = [];
    for (const ext of EXTENSIONS) {
      if (!this.#enabled(ext)) continue;
      if (ext === "SIZE") lines.push(`SIZE ${this.cfg.maxMessageSize}`);
      else if (ext === "STARTTLS") {
        if (this.#canStartTls) lines.push(ext);
      } else if (ext === "AUTH") {
        const mechanisms = this.#authMechanisms;
        if (mechanisms.length && (this.#tls || this.cfg.allowInsecureAuth)) {
          lines.push(`AUTH ${mechanisms.join(" ")}`);
        }
      } else lines.push(ext);
    }
    return lines;
  }

  #hello(verb: "HELO" | "EHLO", arg: string): Promise<Next> {
    if (!arg) return this.#refuse(verb === "HELO" ? REPLY.syntaxHelo : REPLY.syntaxEhlo);
    // A later EHLO or HELO resets the transaction (RFC 5321 §4.1.4).
    this.#tx = null;
    this.#helo = arg;
    this.#heloVerb = verb;
    const host = this.cfg.hostname;
    if (verb === "HELO") return this.#answer(this.#configReply("helo", () => heloReply(host)));
    // The extensions offered vary only with TLS: on already, or possible.
    const key = this.#tls ? "ehlo-tls" : this.#canStartTls ? "ehlo-starttls" : "ehlo";
    return this.#answer(this.#configReply(key, () => ehloReply(host, this.#extensions())));
  }

  /** The reply `make` gives, made once for this session's config under `key`. */
  #configReply(key: string, make: () => Reply): Reply {
    let replies = configReplies.get(this.cfg);
    if (!replies) configReplies.set(this.cfg, replies = new Map());
    let reply = replies.get(key);
    if (!reply) replies.set(key, reply = make());
    return reply;
  }

  #mail(arg: string): Promise<Next> {
    if (this.#heloVerb === null) return this.#refuse(REPLY.heloFirst);
    if (this.cfg.requireAuth && this.#authUser === undefined) {
      return this.#refuse(REPLY.authRequired);
    }
    if (this.#tx) return this.#refuse(REPLY.nestedMail);
    const path = pathArgument(arg, "FROM:");
    if (!path) return this.#refuse(REPLY.syntaxMail);
    const facts = mailFacts(path.params, this.#offered, this.cfg.maxMessageSize);
    if (isReply(facts)) return this.#refuse(facts);
    if (path.mailbox !== "") {
      const check = checkMailbox(path.mailbox, facts.smtpUtf8);
      if (check !== "ok") {
        return this.#refuse(check === "utf8" ? REPLY.utf8Sender : REPLY.badSender);
      }
    }
    this.#tx = { from: path.mailbox, mail: facts, to: [], rcptParams: [], chunks: null };
    return this.#answer(REPLY.senderOk);
  }

  #rcpt(arg: string): Promise<Next> {
    const tx = this.#tx;
    if (!tx) return this.#refuse(this.#heloVerb === null ? REPLY.heloFirst : REPLY.needMail);
    if (tx.chunks) return this.#refuse(REPLY.rcptAfterBdat);
    const path = pathArgument(arg, "TO:");
    if (!path) return this.#refuse(REPLY.syntaxRcpt);
    if (path.mailbox === "") return this.#refuse(REPLY.badRecipient);
    const params = rcptParams(path.params, this.#offered);
    if (isReply(params)) return this.#refuse(params);
    const check = checkMailbox(path.mailbox, tx.mail.smtpUtf8, true);
    if (check !== "ok") {
      return this.#refuse(check === "utf8" ? REPLY.utf8Recipient : REPLY.badRecipient);
    }
    if (tx.to.length >= this.cfg.maxRecipients) return this.#answer(REPLY.tooManyRecipients);
    tx.to.push(path.mailbox);
    tx.rcptParams.push(params);
    return this.#answer(REPLY.recipientOk);
  }

  /** Why the transaction cannot take content now, or null. */
  #contentRefusal(): Reply | null {
    const tx = this.#tx;
    if (!tx) return this.#heloVerb === null ? REPLY.heloFirst : REPLY.needMail;
    if (tx.to.length === 0) return REPLY.needRcpt;
    return null;
  }

  async #data(arg: string): Promise<Next> {
    if (arg) return this.#refuse(REPLY.syntaxData);
    const refusal = this.#contentRefusal();
    if (refusal) return this.#refuse(refusal);
    const tx = this.#tx!;
    if (tx.chunks) return this.#refuse(REPLY.dataAfterBdat);
    if (tx.mail.body === "BINARYMIME") return this.#refuse(REPLY.binaryNeedsBdat);
    await this.#send(REPLY.dataGo);
    const max = this.cfg.maxMessageSize;
    // Key by key, not by spreading a conditional object (a per-message cost).
    const options: DataOptions = {
      ending: SERVE_ENDING,
      body: this.hooks.dataBody?.(max) ?? new GrowingBody(max),
      maxSize: max,
      overflow: "drain",
    };
    if (this.cfg.maxDataLine > 0) options.maxLine = this.cfg.maxDataLine;
    options.signal = this.ctx.closed;
    const result = await input(this.#conv.readData(options));
    if (this.#idle.expired) return "timeout";
    if (result.end === "cut") return "eof";
    if (result.end === "aborted") return "closed";
    this.#tx = null; // whatever the outcome, this transaction is over
    if (result.end !== "data") {
      await this.#send(result.end === "too-big" ? REPLY.tooBig : REPLY.lineTooLong);
      return null;
    }
    return this.#deliver(tx, result.bytes, "DATA");
  }

  async #bdat(arg: string): Promise<Next> {
    const m = /^(\d{1,20})(?:[ \t]+(LAST))?$/i.exec(arg);
    if (!m) return this.#refuse(REPLY.syntaxBdat);
    const size = Number(m[1]);
    const last = m[2] !== undefined;
    if (this.#heloVerb !== "EHLO") {
      return this.#bdatRefused(arg, this.#heloVerb ? REPLY.ehloFirst : REPLY.heloFirst);
    }
    const refusal = this.#contentRefusal();
    if (refusal) return this.#bdatRefused(arg, refusal);
    const tx = this.#tx!;
    const max = this.cfg.maxMessageSize;
    const body = tx.chunks ??= new GrowingBody(max);
    if (body.length + size > max) {
      // RFC 3030 §4.2: the chunk is read anyway, so the client and server stay in step.
      await this.#dropChunk(size);
      this.#tx = null;
      await this.#send(REPLY.tooBig);
      return null;
    }
    const chunk = await input(this.#conv.readChunk(size));
    if (this.#idle.expired) return "timeout";
    if (chunk === null) return "eof";
    body.push(chunk);
    if (!last) {
      await this.#send(chunkReply(size));
      return null;
    }
    this.#tx = null;
    return this.#deliver(tx, body.bytes(), "BDAT");
  }

  /** Reads and drops a BDAT chunk whose command is refused, then answers `reply`. */
  async #bdatRefused(arg: string, reply: Reply): Promise<Next> {
    const m = /^(\d{1,20})(?:[ \t]+LAST)?$/i.exec(arg);
    if (!m) return this.#refuse(REPLY.syntaxBdat);
    await this.#dropChunk(Number(m[1]));
    return this.#refuse(reply);
  }

  /**
   * Reads a refused chunk a bounded piece at a time, past the observers: it is no content,
   * and observers take each `chunk` for a whole BDAT chunk (as the seam's own refusals do).
   */
  async #dropChunk(size: number): Promise<void> {
    for (let left = size; left > 0;) {
      const piece = await input(this.#conv.reader.readBytes(Math.min(left, DROP_PIECE)));
      if (this.#idle.expired) throw new SessionOver("timeout");
      if (piece === null) throw new SessionOver("eof");
      left -= piece.length;
    }
  }

  /** Hands a complete message on and answers its end of data. */
  async #deliver(tx: Transaction, data: Uint8Array, transport: "DATA" | "BDAT"): Promise<Next> {
    if (this.cfg.bareLineEndings === "reject" && tx.mail.body !== "BINARYMIME") {
      const bare = bareLineEnding(data);
      if (bare) return this.#send(bare === "lf" ? REPLY.bareLf : REPLY.bareCr).then(() => null);
    }
    // An interceptor answered instead (or dropped or hung the connection): no message.
    const go = this.#conv.gate("dot", ""); // synchronous `true` unless an interceptor acts
    if (go !== true && !(await go)) return null;
    const record = buildRecord(tx, data, transport, this.#facts(), this.hooks.now());
    let result: DeliveryResult;
    try {
      result = await this.hooks.deliver(record);
    } catch (e) {
      result = smtpErrorResult(e) ??
        { ok: false, temporary: true, reason: e instanceof Error ? e.message : String(e) };
    }
    if (result.ok) {
      const id = result.id ?? `${this.#conv.info.id}.${++this.#messages}`;
      await this.#send(queuedReply(id));
      return null;
    }
    this.ctx.log("err", `from=<${tx.from}>: not delivered: ${result.reason}`);
    const failure = result.reply ??
      (result.temporary ? REPLY.deliveryTemporary : REPLY.deliveryPermanent);
    await this.#send(failure);
    return null;
  }

  #facts(): SessionFacts {
    // Built key by key, not by spreading conditional objects (a per-message cost).
    const facts: SessionFacts = { sessionId: this.#conv.info.id, helo: this.#helo } as SessionFacts;
    if (this.#heloVerb) facts.heloVerb = this.#heloVerb;
    facts.remoteAddress = this.ctx.remote;
    facts.localAddress = this.ctx.local;
    facts.sessionStartedAt = this.#startedAt;
    facts.tls = this.#tls;
    if (this.ctx.tls) facts.tlsSession = this.ctx.tls;
    if (this.#authUser !== undefined) {
      facts.authUser = this.#authUser;
      facts.authMechanism = this.#authMechanism;
    }
    return facts;
  }

  async #starttls(arg: string): Promise<Next> {
    if (this.#tls) return this.#refuse(REPLY.tlsActive);
    if (!this.#canStartTls) return this.#refuse(REPLY.notImplemented);
    if (this.#heloVerb !== "EHLO") {
      return this.#refuse(this.#heloVerb ? REPLY.ehloFirst : REPLY.heloFirst);
    }
    if (arg) return this.#refuse(REPLY.syntaxStarttls);
    await this.#send(REPLY.tlsGo);
    const plain = this.ctx.wire;
    try {
      // Plaintext pipelined behind STARTTLS is dropped by the seam (RFC 3207 §5).
      await this.#conv.startTls(() => this.#idle.bound(this.ctx.upgradeTls!));
    } catch (e) {
      plain.close(); // a handshake that timed out must not linger
      this.ctx.log("notice", `TLS handshake failed: ${String(e)}`);
      return e instanceof TimeoutError ? "timeout" : "tls-failed";
    }
    // RFC 3207 §4.2: everything learnt before TLS is forgotten.
    this.#tls = true;
    this.#helo = "";
    this.#heloVerb = null;
    this.#tx = null;
    this.#authUser = undefined;
    this.#authMechanism = undefined;
    return null;
  }

  async #auth(arg: string): Promise<Next> {
    const mechanisms = this.#authMechanisms;
    if (mechanisms.length === 0) return this.#refuse(REPLY.notImplemented);
    if (this.#heloVerb !== "EHLO") {
      return this.#refuse(this.#heloVerb ? REPLY.ehloFirst : REPLY.heloFirst);
    }
    if (this.#authUser !== undefined) return this.#refuse(REPLY.authTwice);
    if (this.#tx) return this.#refuse(REPLY.authInTransaction);
    const m = /^([^ \t]+)(?:[ \t]+([^ \t]+))?$/.exec(arg);
    if (!m) return this.#refuse(REPLY.syntaxAuth);
    const mechanism = mechanisms.find((x) => x === m[1].toUpperCase());
    if (!mechanism) return this.#refuse(REPLY.authMechanism);
    if (!this.#tls && !this.cfg.allowInsecureAuth) return this.#refuse(REPLY.authEncryption);
    let outcome;
    try {
      outcome = await authenticate(mechanism, m[2], {
        challenge: (reply) => this.#challenge(reply),
        hooks: this.hooks,
        hostname: this.cfg.hostname,
      });
    } catch (e) {
      if (!(e instanceof AuthLineTooLong)) throw e;
      this.#conv.authenticated(mechanism, null);
      return this.#refuse(REPLY.lineTooLong);
    }
    if (outcome === "eof") return "eof";
    this.#conv.authenticated(mechanism, outcome.user ?? null);
    if (outcome.user !== undefined) {
      this.#authUser = outcome.user;
      this.#authMechanism = mechanism;
    }
    return this.#answer(outcome.reply);
  }

  /** Writes a `334` challenge and reads the client's response line (line end removed). */
  async #challenge(reply: Reply): Promise<string | null> {
    let line: Uint8Array | null;
    try {
      line = await this.#conv.authStep(this.#text(reply));
    } catch (e) {
      if (e instanceof LineTooLongError) {
        const dropped = await input(this.#conv.reader.dropLine());
        if (dropped === null || this.#idle.expired) return null;
        throw new AuthLineTooLong();
      }
      if (e instanceof TimeoutError) throw e;
      throw new PeerGone();
    }
    if (this.#idle.expired || line === null || line[line.length - 1] !== 0x0a) return null;
    return commandLine(line).text;
  }
}

/** Verbs the dialect knows (an unknown one is answered as such even when TLS is required). */
const VERBS = new Set([
  "EHLO",
  "HELO",
  "MAIL",
  "RCPT",
  "DATA",
  "BDAT",
  "RSET",
  "NOOP",
  "QUIT",
  "VRFY",
  "EXPN",
  "HELP",
  "STARTTLS",
  "AUTH",
]);

/** What a client may do before STARTTLS when TLS is required (RFC 3207 §4). */
const BEFORE_TLS = new Set(["EHLO", "HELO", "STARTTLS", "NOOP", "RSET", "QUIT", "HELP"]);
