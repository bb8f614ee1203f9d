/**
 * The go-smtp-mock conversation (spec smtpmock.md §4), quirks included (§8): keyword screen
 * then verb dispatch, clear-before-validate handlers, a session deadline that a DATA body
 * does not renew, 552 in the middle of a body, fail-fast, and stop-after-next-command.
 */
import { sleep } from "../clock.ts";
import { Conversation } from "../conversation.ts";
import { type DataEnding, type DataResult, GrowingBody, LineTooLongError } from "../framing.ts";
import { decodeLine, hostPort, replyText } from "../reply.ts";
import {
  type DeliveryResult,
  NO_PARAMS,
  type ReceivedMessage,
  type Sink,
  smtpErrorResult,
} from "../message.ts";
import type { SessionContext, SessionEngine } from "../session.ts";
import { TimeoutError } from "../wire.ts";
import type { SmtpmockConfig } from "./config.ts";
import { hasKeyword, heloArgument, isBareVerb, pathArgument, trimSpace } from "./grammar.ts";
import { type SmtpmockRecord, Transaction } from "./record.ts";

/** Far above anything go-smtp-mock's behaviour needs (a 100 kB line is answered normally). */
export const DEFAULT_MAX_LINE = 1024 * 1024;

export interface SmtpmockHooks {
  /** A message was accepted: its final reply has been written. */
  message?(record: SmtpmockRecord): void;
  /** go-smtp-mock's own record semantics: one per connection end, and one per MAIL after RSET. */
  sessionRecord?(record: SmtpmockRecord): void;
  /**
   * Command-line cap in bytes (documented deviation: a longer line ends the session); body
   * lines are bounded by `msgSizeLimit`.
   */
  maxLine?: number;
  /** Called with each session's conversation before its greeting: attach observers here. */
  attach?(conversation: Conversation): void;
  /**
   * Extension: where accepted messages go (none by default, as go-smtp-mock). Delivered
   * before the reply: a sink that throws an `SmtpError` has its reply sent instead; any other
   * failure is logged and the reply stays go-smtp-mock's.
   */
  sink?: Sink;
  /** Wall clock for the record's `receivedAt`; default `new Date()`. */
  now?(): Date;
}

/** How long the connection stays open after the 500 for an over-long line. */
const LINGER_MS = 1000;

/**
 * `.\r\n`, the only body terminator go-smtp-mock knows. It is matched on lines split at LF,
 * so after a line ending in a bare LF it ends the body too (`\n.\r\n`): a smuggling vector
 * that `strictDataEnd` closes.
 */
const GO_SMTP_MOCK_ENDING: DataEnding = {
  lineStart: "any",
  dotCrlf: true,
  dotLf: false,
  sameEnding: false,
  keepLoneDot: false,
};

/** `strictDataEnd`: only CRLF starts a line for SMTP (RFC 5321 §2.3.8). */
const STRICT_ENDING: DataEnding = { ...GO_SMTP_MOCK_ENDING, lineStart: "crlf" };

/**
 * What a command handler returns: the reply being written, or nothing when it sent none. Plain
 * functions over the write's promise rather than async ones: an async function's frame and
 * each await cost a few hundred bytes, and a command went through five of them.
 */
type Handled = Promise<void> | undefined;

export function smtpmockEngine(config: SmtpmockConfig, hooks: SmtpmockHooks = {}): SessionEngine {
  return (ctx) => new SmtpmockSession(ctx, config, hooks).run();
}

class SmtpmockSession {
  readonly #conv: Conversation;
  /** Made at HELO, or when a command needs it before: an idle connection holds none. */
  #current: Transaction | null = null;
  /** Absolute deadline on ctx.clock for reads and writes, set before each command read. */
  #deadline = 0;
  /** The last handler recorded an error (fail-fast closes on it). */
  #err = false;
  /** For the message record; only taken when records are made (a sink or the message hook). */
  readonly #startedAt: Date | null;
  /** The argument of the latest HELO/EHLO (`""` if it had none), for the record. */
  #heloName = "";
  /** QUIT was answered: the session ends. */
  #quitting = false;
  /** The reply being written, for the log line once it is out (replies never overlap). */
  #replyText = "";
  /** Made once per session, not per reply (see {@link Handled}). */
  readonly #written = () => this.#info(`SMTP response: ${this.#replyText}`);
  readonly #writeFailed = (e: unknown) => this.ctx.log("warning", (e as Error).message);

  constructor(
    private readonly ctx: SessionContext,
    private readonly cfg: SmtpmockConfig,
    private readonly hooks: SmtpmockHooks,
  ) {
    this.#conv = new Conversation(ctx, { maxLine: hooks.maxLine ?? DEFAULT_MAX_LINE });
    hooks.attach?.(this.#conv);
    this.#startedAt = hooks.sink || hooks.message ? hooks.now?.() ?? new Date() : null;
  }

  #info(message: string): void {
    this.ctx.log("info", message);
  }

  async run(): Promise<void> {
    this.#info("SMTP session started");
    await this.#write(this.cfg.msgGreeting, false);
    try {
      for (;;) {
        this.#deadline = this.ctx.clock.now() + this.cfg.sessionTimeout * 1000;
        let line: Uint8Array | null;
        try {
          line = await this.#conv.readCommand(this.#deadline);
        } catch (e) {
          await this.#readFailed(e);
          break;
        }
        // Like Go's ReadString, a fragment cut off by end of input is not a command.
        if (line === null || line[line.length - 1] !== 0x0a) {
          if (!this.ctx.closed.aborted) this.ctx.log("err", "EOF");
          break;
        }
        const replying = this.#command(line);
        if (replying) await replying;
        if (this.#quitting) break;
        if (this.#err && this.cfg.failFast) break;
        if (this.ctx.stopping.aborted) break;
      }
    } finally {
      this.hooks.sessionRecord?.(this.#tx().snapshot(this.ctx.remote));
      this.#conv.close();
      // A forced stop drops the connection under the session; go-smtp-mock exits without
      // finishing such sessions, so nothing more is logged for them.
      if (!this.ctx.closed.aborted) this.#info("SMTP session finished");
    }
  }

  #tx(): Transaction {
    return this.#current ??= new Transaction();
  }

  /** A command read failed (timeout, line cap, read error): the session ends after this. */
  async #readFailed(e: unknown): Promise<void> {
    if (e instanceof LineTooLongError) {
      await this.#lineTooLong(e);
    } else if (e instanceof TimeoutError) {
      this.ctx.log(
        "err",
        `read tcp ${hostPort(this.ctx.local)}->${hostPort(this.ctx.remote)}: i/o timeout`,
      );
    } else this.ctx.log("err", (e as Error).message);
  }

  /**
   * The documented deviation for a line over the cap: reply 500, wait LINGER_MS, close.
   * Closing at once with the client's bytes unread would reset the connection, and a reset
   * can destroy the reply before the client has read it. Nothing is read meanwhile (reading
   * a flood to drop it costs memory); the kernel's buffers and TCP flow control hold it.
   */
  async #lineTooLong(e: LineTooLongError): Promise<void> {
    this.#conv.reader.discardBuffered();
    await this.#write(`500 Line too long (limit ${e.limit} bytes)`, false);
    await sleep(this.ctx.clock, LINGER_MS, this.ctx.closed);
  }

  /**
   * Writes a reply unless the session deadline has passed (as a Go write deadline would).
   * Never rejects: a failed write is logged.
   */
  #write(text: string, deadlineApplies = true): Handled {
    if (deadlineApplies && this.ctx.clock.now() > this.#deadline) {
      this.ctx.log(
        "warning",
        `write tcp ${hostPort(this.ctx.local)}->${hostPort(this.ctx.remote)}: i/o timeout`,
      );
      return;
    }
    this.#replyText = text;
    let writing: Promise<void>;
    try {
      writing = this.#conv.reply(text);
    } catch (e) {
      this.#writeFailed(e);
      return;
    }
    return writing.then(this.#written, this.#writeFailed);
  }

  #reply(delaySeconds: number, text: string, error: boolean): Handled {
    this.#err = error;
    if (delaySeconds > 0) return this.#delayedReply(delaySeconds, text);
    return this.#write(text);
  }

  async #delayedReply(delaySeconds: number, text: string): Promise<void> {
    this.#info(`SMTP response delay: ${delaySeconds} sec`);
    await sleep(this.ctx.clock, delaySeconds * 1000, this.ctx.closed);
    await this.#write(text);
  }

  #command(bytes: Uint8Array): Handled {
    const line = trimSpace(decodeLine(bytes));
    this.#info(`SMTP request: ${line}`);
    if (!hasKeyword(line)) {
      return this.#write(this.cfg.msgInvalidCmd); // never delayed, not an error for fail-fast
    }
    const space = line.indexOf(" ");
    const verb = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    switch (verb) {
      case "HELO":
      case "EHLO":
        return this.#helo(line);
      case "MAIL":
        return this.#mail(line);
      case "RCPT":
        return this.#rcpt(line);
      case "DATA":
        return this.#data(line);
      case "RSET":
        return this.#rset(line);
      case "NOOP":
        return this.#noop(line);
      case "QUIT":
        return this.#quit(line);
      default:
        return; // quirk §8.1: a keyword elsewhere in the line gets no reply at all
    }
  }

  #helo(line: string): Handled {
    const c = this.cfg;
    const tx = this.#current = new Transaction();
    const arg = heloArgument(line);
    this.#heloName = arg ?? "";
    let reply = c.msgHeloReceived;
    let ok = false;
    if (arg === null) reply = c.msgInvalidCmdHeloArg;
    else if (c.blacklistedHeloDomains.includes(arg)) reply = c.msgHeloBlacklistedDomain;
    else ok = true;
    tx.heloRequest = line;
    tx.heloResponse = reply;
    tx.helo = ok;
    return this.#reply(c.responseDelayHelo, reply, !tx.helo);
  }

  #mail(line: string): Handled {
    const c = this.cfg;
    let tx = this.#tx();
    if (c.multipleMessageReceiving && tx.rset && tx.isConsistent) {
      // The message kept across RSET is recorded now and a new one inherits the greeting.
      this.hooks.sessionRecord?.(tx.snapshot(this.ctx.remote));
      tx = this.#current = tx.successor();
    }
    tx.clearMailfrom();
    tx.clearRcptto();
    tx.clearData();
    tx.clearMsg();
    tx.clearRsetNoop();
    let reply = c.msgMailfromReceived;
    let ok = false;
    const addr = tx.helo ? pathArgument(line, "mail from:") : null;
    if (!tx.helo) reply = c.msgInvalidCmdMailfromSequence;
    else if (addr === null) reply = c.msgInvalidCmdMailfromArg;
    else if (c.blacklistedMailfromEmails.includes(addr)) reply = c.msgMailfromBlacklistedEmail;
    else ok = true;
    tx.mailfromRequest = line;
    tx.mailfromResponse = reply;
    tx.mailfrom = ok;
    if (ok) tx.from = addr!;
    return this.#reply(c.responseDelayMailfrom, reply, !ok);
  }

  #rcpt(line: string): Handled {
    const c = this.cfg;
    const tx = this.#tx();
    if (!c.multipleRcptto) {
      tx.clearRcptto();
      tx.clearData();
      tx.clearMsg();
      tx.clearRsetNoop();
    }
    let reply = c.msgRcpttoReceived;
    let ok = false;
    const addr = tx.helo && tx.mailfrom ? pathArgument(line, "rcpt to:") : null;
    if (!tx.helo || !tx.mailfrom) reply = c.msgInvalidCmdRcpttoSequence;
    else if (addr === null) reply = c.msgInvalidCmdRcpttoArg;
    else if (c.blacklistedRcpttoEmails.includes(addr)) reply = c.msgRcpttoBlacklistedEmail;
    else if (c.notRegisteredEmails.includes(addr)) reply = c.msgRcpttoNotRegisteredEmail;
    else ok = true;
    tx.rcpttoRequestResponse.push([line, reply]);
    if (ok) tx.to.push(addr!);
    // §4.9: with multipleRcptto one earlier success keeps the recipient state true.
    tx.rcptto = ok ||
      (c.multipleRcptto && tx.rcpttoRequestResponse.some(([, r]) => r === c.msgRcpttoReceived));
    return this.#reply(c.responseDelayRcptto, reply, !ok);
  }

  async #data(line: string): Promise<void> {
    const c = this.cfg;
    const tx = this.#tx();
    tx.clearData();
    tx.clearMsg();
    tx.clearRsetNoop();
    let reply = c.msgDataReceived;
    if (!(tx.helo && tx.mailfrom && tx.rcptto)) reply = c.msgInvalidCmdDataSequence;
    else if (!isBareVerb(line, "data")) reply = c.msgInvalidCmd;
    const ok = tx.helo && tx.mailfrom && tx.rcptto && isBareVerb(line, "data");
    tx.dataRequest = line;
    tx.dataResponse = reply;
    tx.data = ok;
    await this.#reply(c.responseDelayData, reply, !ok);
    if (ok) await this.#body();
  }

  /**
   * Body mode: ends at `.\r\n` (with `strictDataEnd` only after CRLF); the deadline set
   * before DATA still applies. Memory is bounded by the size limit, not by the command-line
   * cap: a line that cannot fit is read to its end without being kept, then answered 552
   * there, as go-smtp-mock answers once its line read returns.
   */
  async #body(): Promise<void> {
    const c = this.cfg;
    const tx = this.#tx();
    let result: DataResult;
    try {
      result = await this.#conv.readData({
        ending: c.strictDataEnd ? STRICT_ENDING : GO_SMTP_MOCK_ENDING,
        body: new GrowingBody(Math.max(c.msgSizeLimit, 0)),
        maxSize: c.msgSizeLimit,
        overflow: "stop",
        deadline: this.#deadline,
        // Made per body rather than per session: an idle connection does not hold it.
        onLine: () => this.#info("SMTP request: message binary data portion"),
      });
    } catch {
      // §8.7: a body deadline drops silently back to command mode.
      this.#err = true;
      return;
    }
    if (result.end === "too-big") return this.#tooBig();
    if (result.end !== "data") {
      this.#err = true;
      return; // the next command read sees EOF and ends the session
    }
    // A fault rule may answer the message instead (it is then not taken: no record, no sink).
    const go = this.#conv.gate("dot", "");
    if (go !== true && !(await go)) {
      this.#err = true;
      return;
    }
    tx.raw = result.bytes;
    // Made only for a reader (a sink, or the hook that keeps go-smtp-mock's views): built for
    // every message it cost the CLI, which keeps neither, a measurable share of throughput.
    const message = this.hooks.sink || this.hooks.message ? this.#record(tx) : null;
    const refused = message && this.hooks.sink && await this.#deliver(message);
    if (refused) {
      tx.msgResponse = refused;
      await this.#reply(c.responseDelayMessage, refused, true);
      return;
    }
    tx.msgResponse = c.msgMsgReceived;
    tx.msg = true;
    await this.#reply(c.responseDelayMessage, c.msgMsgReceived, false);
    if (message) this.hooks.message?.(tx.snapshot(this.ctx.remote, message));
  }

  /** The one message record of the body just read: what sinks get and the view is made of. */
  #record(tx: Transaction): ReceivedMessage {
    const to = [...tx.to];
    return {
      sessionId: this.#conv.info.id,
      from: tx.from,
      to,
      // go-smtp-mock takes no ESMTP parameters: its address pattern must end the line.
      mailParams: NO_PARAMS,
      rcptParams: to.map(() => NO_PARAMS),
      data: tx.raw,
      helo: this.#heloName,
      remoteAddress: this.ctx.remote,
      localAddress: this.ctx.local,
      receivedAt: this.hooks.now?.() ?? new Date(),
      sessionStartedAt: this.#startedAt!,
      tls: false,
    };
  }

  /** Hands the message record to the sink; the reply of an SmtpError it threw, if any. */
  async #deliver(message: ReceivedMessage): Promise<string | null> {
    let result: DeliveryResult;
    try {
      result = await this.hooks.sink!.deliver(message);
    } catch (e) {
      result = smtpErrorResult(e) ?? { ok: false, temporary: true, reason: String(e) };
    }
    if (result.ok) return null;
    if (result.reply) return replyText(result.reply);
    this.ctx.log("warning", `message not delivered: ${result.reason}`);
    return null;
  }

  /** §4.7: answered at once; what is already buffered is dropped, the rest parsed as commands. */
  #tooBig(): Handled {
    const c = this.cfg;
    this.#conv.reader.discardBuffered();
    this.#tx().msgResponse = c.msgMsgSizeIsTooBig;
    return this.#reply(c.responseDelayMessage, c.msgMsgSizeIsTooBig, true);
  }

  #rset(line: string): Handled {
    const c = this.cfg;
    const tx = this.#tx();
    const keep = c.multipleMessageReceiving && tx.isConsistent;
    if (!keep) {
      tx.clearMailfrom();
      tx.clearRcptto();
      tx.clearData();
      tx.clearMsg();
    }
    let reply = c.msgRsetReceived;
    if (!tx.helo) reply = c.msgInvalidCmdRsetSequence;
    else if (!isBareVerb(line, "rset")) reply = c.msgInvalidCmdRsetArg;
    const ok = tx.helo && isBareVerb(line, "rset");
    tx.rsetRequest = line;
    tx.rsetResponse = reply;
    tx.rset = ok;
    return this.#reply(c.responseDelayRset, reply, !ok);
  }

  #noop(line: string): Handled {
    if (!isBareVerb(line, "noop")) return; // quirk §8.1: silence
    this.#tx().noop = true;
    return this.#reply(this.cfg.responseDelayNoop, this.cfg.msgNoopReceived, false);
  }

  #quit(line: string): Handled {
    if (!isBareVerb(line, "quit")) return;
    this.#tx().quitSent = true;
    this.#quitting = true;
    return this.#reply(this.cfg.responseDelayQuit, this.cfg.msgQuitCmd, false);
  }
}
