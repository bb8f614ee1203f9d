/**
 * The msmtpd conversation (spec msmtpd.md §5), following the newest upstream where versions
 * differ (NOOP/RSET, any authzid, NUL-safe input, case-insensitive QUIT), plus the "Exceed"
 * items that only change what badly behaved clients see: pipelined commands are answered in
 * order, and a mail is handed to the sink only once its final `.` has arrived.
 *
 * Straight-line code rather than a verb table: msmtpd is one fixed path (greeting → HELO →
 * [AUTH] → transactions) where every unexpected line ends the session.
 */
import { sleep } from "../clock.ts";
import {
  type DeliveryResult,
  type ReceivedMessage,
  type Sink,
  smtpErrorResult,
} from "../message.ts";
import type { Conversation } from "../conversation.ts";
import { multilineText, replyText } from "../reply.ts";
import { NO_PARAMS } from "../params.ts";
import type { SessionContext, SessionEngine } from "../session.ts";
import { parseAddress } from "./address.ts";
import { AUTH_DELAY_MS, decodeBase64Strict, plainCredentialsMatch } from "./auth.ts";
import { CommandLine } from "./command_line.ts";
import { DEFAULT_MAX_MAIL_SIZE, MsmtpdInput } from "./input.ts";
import { CANNOT_PIPE, EHLO_AUTH_LINES, failureReply, R } from "./replies.ts";
import { equalsCI, hasPrefixCI } from "./text.ts";

/** What a persona configures. */
export interface MsmtpdConfig {
  /**
   * The `--command` template: its command line caps the recipients (msmtpd's buffer) and, when
   * {@link commandPiped}, is logged as `pipe command is …`.
   */
  command: string;
  /**
   * Mail really goes to {@link command} (default true, msmtpd). False when another sink takes it
   * (the library without `command`): the log then names no command that never runs.
   */
  commandPiped?: boolean;
  /** Where accepted mail goes (the pipe sink in the persona). */
  sink: Sink;
  /** Require AUTH PLAIN with exactly these credentials. */
  auth?: { user: string; password: string };
  /**
   * Extension: the largest mail (bytes after dot-unstuffing) accepted; a larger one is read to
   * its end, dropped and answered `554 Cannot allocate memory`. Default
   * {@link DEFAULT_MAX_MAIL_SIZE}; `Infinity` for none, as msmtpd.
   */
  maxMailSize?: number;
  /**
   * Nothing keeps a mail once the sink and {@link MsmtpdHooks.delivered} are done with it (the
   * CLI): its memory is then given back at once, not whenever the garbage collector runs.
   */
  releaseMail?: boolean;
}

/** msmtpd's session exit status: 0 clean, 1 error or abort, 2 authentication failure. */
export type SessionStatus = 0 | 1 | 2;

/** How the session reports to the server around it. */
export interface MsmtpdHooks {
  /** Asked once when the session starts: answer AUTH only after one second? */
  authDelay?(): boolean;
  /** Daemon mode: log `connection from …` and `connection closed` around the session. */
  connection?: { activeSessions(): number; maxSessions: number };
  /** The session ended with this status. */
  ended?(status: SessionStatus): void;
  /** A message was delivered and `250 Ok, mail was piped` written. */
  delivered?(message: ReceivedMessage): void;
  /** Wall clock for {@link ReceivedMessage.receivedAt}; default `new Date()`. */
  now?(): Date;
  /** Called with each session's conversation before its greeting: attach observers here. */
  attach?(conversation: Conversation): void;
}

/** The engine for one msmtpd session per connection. */
export function msmtpdEngine(config: MsmtpdConfig, hooks: MsmtpdHooks = {}): SessionEngine {
  return async (ctx) => {
    const delay = hooks.authDelay?.() ?? false;
    const conn = hooks.connection;
    if (conn) {
      ctx.log(
        "info",
        `connection from ${ctx.remote.hostname}, active sessions ${conn.activeSessions()} ` +
          `(max ${conn.maxSessions}), auth_delay=${delay ? "yes" : "no"}`,
      );
    }
    const status = await new MsmtpdSession(ctx, config, hooks, delay).run();
    hooks.ended?.(status);
    if (conn) ctx.log("info", "connection closed");
  };
}

class MsmtpdSession {
  readonly #conv: Conversation;
  readonly #input: MsmtpdInput;
  #helo = "";
  #authUser?: string;
  readonly #startedAt: Date;

  constructor(
    private readonly ctx: SessionContext,
    private readonly cfg: MsmtpdConfig,
    private readonly hooks: MsmtpdHooks,
    private readonly authDelay: boolean,
  ) {
    this.#input = new MsmtpdInput(ctx);
    this.#conv = this.#input.conversation;
    hooks.attach?.(this.#conv);
    this.#startedAt = hooks.now?.() ?? new Date();
  }

  async run(): Promise<SessionStatus> {
    try {
      return await this.#converse();
    } finally {
      this.#conv.end();
    }
  }

  async #converse(): Promise<SessionStatus> {
    this.#info("starting SMTP session");
    await this.#send(R.greeting);
    let line = await this.#input.command();
    if (line === null) return this.#abort("client did not send initial command");
    if (!hasPrefixCI(line, "EHLO ") && !hasPrefixCI(line, "HELO ")) {
      return this.#fail(R.expectedHello, "client did not start with EHLO or HELO");
    }
    this.#helo = line.slice(5);
    if (this.cfg.auth && hasPrefixCI(line, "EHLO ")) {
      await this.#send(multilineText(250, EHLO_AUTH_LINES));
    } else await this.#send(R.hello);
    line = await this.#input.command();
    if (line === null) return this.#abort("client did not send second command");
    if (this.cfg.auth) {
      line = await this.#skipNoops(line);
      if (line === null) return this.#abort("client did not send command after NOOP or RSET");
      const authed = await this.#authenticate(line);
      if (typeof authed === "number") return authed;
      line = authed;
    }
    return this.#transactions(line);
  }

  /** §5.3. The next command after a successful AUTH, or the session's final status. */
  async #authenticate(line: string): Promise<string | SessionStatus> {
    const { user, password } = this.cfg.auth!;
    if (equalsCI(line, "QUIT")) return this.#quit();
    if (!hasPrefixCI(line, "AUTH PLAIN")) {
      await this.#send(R.authRequired);
      this.#info("client did not authenticate, session aborted");
      return 1;
    }
    let response: string | null = line.slice(11);
    if (line[10] !== " ") {
      await this.#send(R.authContinue);
      response = await this.#input.command(true);
      if (response === null) {
        return this.#abort("client did not send authentication information");
      }
    }
    const decoded = decodeBase64Strict(response);
    const ok = decoded !== null && plainCredentialsMatch(decoded, user, password);
    if (this.authDelay) await sleep(this.ctx.clock, AUTH_DELAY_MS, this.ctx.closed);
    this.#conv.authenticated("PLAIN", ok ? user : null);
    if (!ok) {
      await this.#send(R.authFailed);
      this.ctx.log("err", "authentication failed, session aborted");
      return 2;
    }
    await this.#send(R.authOk);
    this.#authUser = user;
    this.#info(`authenticated user ${user}`);
    return await this.#input.command() ??
      this.#abort("client did not send command after authentication");
  }

  /** Mail transactions until QUIT, end of input after a delivery, or the first error. */
  async #transactions(first: string): Promise<SessionStatus> {
    let line: string | null = first;
    for (;;) {
      line = await this.#skipNoops(line);
      if (line === null) return this.#abort("client did not send command after NOOP or RSET");
      if (equalsCI(line, "QUIT")) return this.#quit();
      if (!hasPrefixCI(line, "MAIL FROM:")) {
        return this.#fail(R.expectedMail, "client did not send MAIL FROM or QUIT");
      }
      const sender = parseAddress(line.slice(10), true);
      if (sender === null) return this.#fail(R.invalidAddress, "invalid address in MAIL FROM");
      const status = await this.#transaction(sender);
      if (status !== null) return status;
      line = await this.#input.command();
      if (line === null) {
        this.#info("client ended session without sending QUIT");
        return 0;
      }
    }
  }

  /** One transaction after an accepted MAIL FROM; `null` when the mail was piped. */
  async #transaction(sender: string): Promise<SessionStatus | null> {
    const commandLine = new CommandLine(this.cfg.command, sender);
    const recipients: string[] = [];
    await this.#send(R.ok);
    for (;;) {
      const line = await this.#input.command();
      if (line === null) return this.#abort("client did not send command");
      const rcpt = hasPrefixCI(line, "RCPT TO:");
      if (recipients.length === 0 && !rcpt) {
        return this.#fail(R.expectedRcpt, "client did not send RCPT TO");
      }
      if (!rcpt && !equalsCI(line, "DATA")) {
        return this.#fail(R.expectedRcptOrData, "client did not send RCPT TO or DATA");
      }
      if (!rcpt) break;
      const addr = parseAddress(line.slice(8), false);
      if (addr === null) return this.#fail(R.invalidAddress, "invalid address in RCPT TO");
      if (!commandLine.add(addr)) return this.#fail(R.tooManyRecipients, "too many recipients");
      recipients.push(addr);
      await this.#send(R.ok);
    }
    if (this.cfg.commandPiped ?? true) this.#info(`pipe command is ${commandLine.text}`);
    await this.#send(R.sendData);
    const maxSize = this.cfg.maxMailSize ?? DEFAULT_MAX_MAIL_SIZE;
    const mail = await this.#input.mail(maxSize);
    if (mail.kind === "cut") {
      // Exceed: a mail cut off by the client is never passed on (msmtpd ≤ 1.8.30 piped it).
      return this.#fail(`554 ${CANNOT_PIPE}`, "client did not send end of mail, nothing was piped");
    }
    if (mail.kind === "tooLarge") {
      return this.#fail(R.noMemory, `mail larger than ${maxSize} bytes, nothing was piped`);
    }
    // A fault rule may answer the mail instead: it is then not piped, and the session goes on.
    const go = this.#conv.gate("dot", "");
    if (go !== true && !(await go)) {
      if (this.cfg.releaseMail) mail.release();
      return null;
    }
    const data = mail.data;
    const message: ReceivedMessage = {
      sessionId: this.#conv.info.id,
      from: sender,
      to: recipients,
      // msmtpd takes no ESMTP parameters: its `<address>` must end the line (address.ts).
      mailParams: NO_PARAMS,
      rcptParams: recipients.map(() => NO_PARAMS),
      data,
      helo: this.#helo,
      remoteAddress: this.ctx.remote,
      localAddress: this.ctx.local,
      receivedAt: this.hooks.now?.() ?? new Date(),
      sessionStartedAt: this.#startedAt,
      tls: false,
      ...(this.#authUser !== undefined && { authUser: this.#authUser }),
    };
    // A sink must not reject; one that does is treated like a pipe that broke.
    const result = await this.cfg.sink.deliver(message).catch((e): DeliveryResult =>
      smtpErrorResult(e) ?? { ok: false, temporary: false, reason: CANNOT_PIPE }
    );
    if (!result.ok) {
      if (this.cfg.releaseMail) mail.release();
      const reply = result.reply ? replyText(result.reply) : failureReply(result);
      return this.#fail(reply, reply.charAt(4).toLowerCase() + reply.slice(5));
    }
    await this.#send(R.piped);
    this.#info("mail was piped successfully");
    this.hooks.delivered?.(message);
    if (this.cfg.releaseMail) mail.release();
    return null;
  }

  /** Answers NOOP and RSET (msmtpd 1.8.33) until another command; `null` at end of input. */
  async #skipNoops(line: string): Promise<string | null> {
    while (equalsCI(line, "NOOP") || equalsCI(line, "RSET")) {
      await this.#send(R.ok);
      const next = await this.#input.command();
      if (next === null) return null;
      line = next;
    }
    return line;
  }

  async #quit(): Promise<SessionStatus> {
    await this.#send(R.bye);
    this.#info("client ended session");
    return 0;
  }

  /** Sends the error reply; the session then ends with status 1. */
  async #fail(reply: string, reason: string): Promise<SessionStatus> {
    await this.#send(reply);
    return this.#abort(reason);
  }

  #abort(reason: string): SessionStatus {
    this.ctx.log("err", `${reason}, session aborted`);
    return 1;
  }

  #info(message: string): void {
    this.ctx.log("info", message);
  }

  /** A peer that is gone shows up as end of input on the next read; nothing to do here. */
  async #send(text: string): Promise<void> {
    try {
      await this.#conv.reply(text);
    } catch {
      // ignored, as msmtpd ignores fprintf errors
    }
  }
}
