/**
 * The mockmta conversation (spec mockmta.md §3): greeting, the legality table of `states.ts`,
 * the exact replies of `replies.ts`, DATA into a bounded collector, STARTTLS through the
 * context, an idle timeout on every read, and `221 Bye` when the client just goes away.
 * Storage and the message counter belong to the embedder (`MockmtaHooks`).
 */
import { type DeliveryResult, type ReceivedMessage, smtpErrorResult } from "../message.ts";
import { Conversation } from "../conversation.ts";
import { decodeLine, hostPort, replyText } from "../reply.ts";
import type { SessionContext, SessionEngine } from "../session.ts";
import { TimeoutError, type Wire } from "../wire.ts";
import { envelopeAddress, type Keyword, parseCommand, pathArgument } from "./command.ts";
import {
  type MockmtaConfig,
  type MockmtaHooks,
  resolveMockmtaConfig,
  type SessionEnd,
} from "./config.ts";
import { endsWith, MOCKMTA_ENDING } from "./data.ts";
import { GrowingBody } from "../framing.ts";
import { paramsAfterPath } from "../params.ts";
import { SessionInput } from "./input.ts";
import { acceptedReply, ehloReply, messageNumberText, REPLY } from "./replies.ts";
import { type State, transition } from "./states.ts";
import { describeTls, upgrade } from "./starttls.ts";

/** A session engine speaking mockmta's dialect. */
export function mockmtaEngine(config: Partial<MockmtaConfig>, hooks: MockmtaHooks): SessionEngine {
  const resolved = resolveMockmtaConfig(config);
  return async (ctx) => {
    const end = await new MockmtaSession(ctx, resolved, hooks).run();
    hooks.ended?.(end);
  };
}

/** A reply could not be written: the peer is gone. */
class PeerGone extends Error {}

/** A handler's verdict: apply the transition (true), keep the state (false), or end. */
type Outcome = boolean | SessionEnd;

const DEBUG_TEXT_MAX = 200;

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The command without its LF and a CR right before it (a lone CR stays, spec §3.1). */
function commandText(line: Uint8Array): string {
  let end = line.length;
  if (line[end - 1] === 0x0a) {
    end--;
    if (line[end - 1] === 0x0d) end--;
  }
  return decodeLine(line.subarray(0, end));
}

function shorten(text: string): string {
  return text.length <= DEBUG_TEXT_MAX ? text : `${text.slice(0, DEBUG_TEXT_MAX)}…`;
}

class MockmtaSession {
  readonly #conv: Conversation;
  readonly #input: SessionInput;
  #state: State = "INIT";
  #helo = "";
  #mailFrom = "";
  #rcptTo: string[] = [];
  #tls = false;
  readonly #startedAt: Date;
  /** A command so far ended in CRLF: only CRLF starts a line in DATA (see `data.ts`). */
  #usedCrlf = false;

  constructor(
    private readonly ctx: SessionContext,
    private readonly cfg: MockmtaConfig,
    private readonly hooks: MockmtaHooks,
  ) {
    this.#conv = new Conversation(ctx, {
      maxLine: cfg.maxLine,
      source: SessionInput.source(ctx.clock, cfg.idleTimeoutMs),
    });
    this.#input = new SessionInput(this.#conv, cfg.maxLine, ctx.closed);
    hooks.attach?.(this.#conv);
    this.#startedAt = hooks.now();
  }

  async run(): Promise<SessionEnd> {
    const { ctx } = this;
    const client = ctx.remote.hostname ? `, client ${hostPort(ctx.remote)}` : "";
    ctx.log("debug", `session started${client}`);
    let end: SessionEnd;
    try {
      end = await this.#converse();
    } catch (e) {
      if (!(e instanceof PeerGone)) throw e;
      end = "closed";
    }
    this.#conv.end();
    if (end === "timeout") ctx.log("err", "timed out waiting for I/O");
    ctx.log("debug", `session ended (${end})`);
    return end;
  }

  async #converse(): Promise<SessionEnd> {
    await this.#reply(REPLY.greeting);
    for (;;) {
      const read = await this.#input.read();
      let end: SessionEnd | null;
      if (read === "too-long") {
        this.ctx.log("debug", `C: (line longer than ${this.cfg.maxLine} bytes)`);
        await this.#reply(REPLY.lineTooLong);
        continue;
      } else if (typeof read === "string") end = read;
      else end = await this.#command(read);
      if (end === null) continue;
      // Quirk §8.2: the ancestor says goodbye even to a client that just hung up.
      if (end === "eof") await this.#reply(REPLY.bye).catch(() => {});
      return end;
    }
  }

  async #reply(text: string): Promise<void> {
    await this.#replyLines([text]);
  }

  async #replyLines(lines: string[]): Promise<void> {
    try {
      await this.#conv.reply(lines.join("\r\n"));
    } catch {
      throw new PeerGone();
    }
    for (const line of lines) this.ctx.log("debug", `S: ${line}`);
  }

  get #canStartTls(): boolean {
    return this.ctx.upgradeTls !== undefined && !this.#tls;
  }

  async #command(line: Uint8Array): Promise<SessionEnd | null> {
    if (endsWith(line, "crlf")) this.#usedCrlf = true;
    const text = commandText(line);
    this.ctx.log("debug", `C: ${shorten(text)}`);
    if (line.length > this.cfg.maxCommandLine) {
      await this.#reply(REPLY.lineTooLong);
      return null;
    }
    const { keyword, arg } = parseCommand(text);
    if (keyword === null) {
      await this.#reply(REPLY.unrecognized);
      return null;
    }
    const next = transition(this.#state, keyword, this.#canStartTls);
    if (next === null) {
      await this.#reply(REPLY.notValid);
      return null;
    }
    const outcome = await this.#handle(keyword, arg);
    if (typeof outcome === "string") return outcome;
    if (!outcome) return null;
    if (next === "END") return "quit";
    this.#state = next;
    return null;
  }

  #handle(keyword: Keyword, arg: string | null): Promise<Outcome> {
    switch (keyword) {
      case "HELP":
        return this.#ok(REPLY.help);
      case "QUIT":
        return this.#ok(REPLY.bye);
      case "RSET":
        return this.#rset(arg);
      case "HELO":
      case "EHLO":
        return this.#hello(keyword, arg);
      case "MAIL":
        return this.#mail(arg);
      case "RCPT":
        return this.#rcpt(arg);
      case "DATA":
        return this.#data();
      case "STARTTLS":
        return this.#starttls(arg);
    }
  }

  async #ok(text: string): Promise<Outcome> {
    await this.#reply(text);
    return true;
  }

  async #fail(text: string): Promise<Outcome> {
    await this.#reply(text);
    return false;
  }

  #resetTransaction(): void {
    this.#mailFrom = "";
    this.#rcptTo = [];
  }

  async #rset(arg: string | null): Promise<Outcome> {
    if (arg !== null) return this.#fail(REPLY.rsetArg);
    await this.#reply(REPLY.reset);
    // Quirk §8.1: back to INIT, the greeting forgotten.
    this.#resetTransaction();
    this.#helo = "";
    return true;
  }

  async #hello(keyword: "HELO" | "EHLO", arg: string | null): Promise<Outcome> {
    if (arg === null) return this.#fail(keyword === "HELO" ? REPLY.heloNoArg : REPLY.ehloNoArg);
    if (keyword === "HELO") await this.#reply(REPLY.helo);
    else await this.#replyLines(ehloReply(this.#canStartTls));
    this.#resetTransaction();
    this.#helo = arg;
    return true;
  }

  #mail(arg: string | null): Promise<Outcome> {
    if (arg === null) return this.#fail(REPLY.mailNoArg);
    const parsed = pathArgument(arg, "FROM:");
    if ("error" in parsed) {
      return this.#fail(parsed.error === "syntax" ? REPLY.syntaxError : REPLY.mailNoArg);
    }
    this.#resetTransaction();
    this.#mailFrom = parsed.path;
    return this.#ok(REPLY.senderOk);
  }

  #rcpt(arg: string | null): Promise<Outcome> {
    if (arg === null) return this.#fail(REPLY.rcptNoArg);
    const parsed = pathArgument(arg, "TO:");
    if ("error" in parsed) {
      return this.#fail(parsed.error === "syntax" ? REPLY.syntaxError : REPLY.toNoArg);
    }
    if (this.#rcptTo.length >= this.cfg.maxRecipients) return this.#fail(REPLY.tooManyRecipients);
    this.#rcptTo.push(parsed.path);
    return this.#ok(REPLY.recipientOk);
  }

  async #data(): Promise<Outcome> {
    await this.#reply(REPLY.dataGo);
    const maxSize = this.cfg.maxMessageSize;
    const ending = MOCKMTA_ENDING[this.#usedCrlf ? "crlf" : "lf"];
    const body = await this.#input.data(ending, new GrowingBody(maxSize), maxSize);
    if (typeof body === "string") return body; // never a partial message (quirk §8.9)
    // Whatever happens now, the transaction is over and the session is back in HELLO (§5.2).
    const rcptTo = this.#rcptTo;
    const mailFrom = this.#mailFrom;
    const lines = body.lines;
    this.#resetTransaction();
    if (body.end !== "data") {
      this.ctx.log("debug", `C: (${lines} lines of message data, refused: ${body.end})`);
      this.ctx.log(
        "warning",
        `message from=<${envelopeAddress(mailFrom)}> refused: ${body.end}`,
      );
      return this.#ok(body.end === "too-big" ? REPLY.tooMuchData : REPLY.lineTooLong);
    }
    const data = body.bytes;
    this.ctx.log("debug", `C: (${lines} lines, ${data.length} bytes of message data)`);
    // A fault rule may answer the message instead: it is then neither delivered nor counted.
    const go = this.#conv.gate("dot", "");
    if (go !== true && !(await go)) return true;
    const message: ReceivedMessage = {
      sessionId: this.#conv.info.id,
      from: envelopeAddress(mailFrom),
      to: rcptTo.map(envelopeAddress),
      mailParams: paramsAfterPath(mailFrom),
      rcptParams: rcptTo.map(paramsAfterPath),
      data,
      helo: this.#helo,
      remoteAddress: this.ctx.remote,
      localAddress: this.ctx.local,
      receivedAt: this.hooks.now(),
      sessionStartedAt: this.#startedAt,
      tls: this.#tls,
      ...(this.ctx.tls && { tlsSession: this.ctx.tls }),
    };
    let result: DeliveryResult;
    try {
      result = await this.hooks.deliver(message);
    } catch (e) {
      result = smtpErrorResult(e) ?? { ok: false, temporary: true, reason: errorText(e) };
    }
    const summary = `from=<${message.from}>, nrcpt=${rcptTo.length}, size=${data.length}`;
    if (!result.ok) {
      this.ctx.log("err", `${summary}: not delivered: ${result.reason}`);
      if (result.reply) return this.#ok(replyText(result.reply));
      return this.#ok(result.temporary ? REPLY.cannotWrite : REPLY.deliveryRefused);
    }
    const number = this.hooks.nextMessageNumber();
    this.ctx.log("info", `${messageNumberText(number)}: ${summary}: delivered`);
    this.hooks.accepted?.({ ...message, number, mailFrom, rcptTo });
    return this.#ok(acceptedReply(number));
  }

  async #starttls(arg: string | null): Promise<Outcome> {
    if (arg !== null) return this.#fail(REPLY.tlsArg);
    await this.#reply(REPLY.tlsGo);
    let wire: Wire;
    try {
      // Plaintext pipelined behind STARTTLS is dropped, never read as commands (RFC 3207 §5).
      wire = await this.#conv.startTls(() => upgrade(this.ctx, this.cfg.idleTimeoutMs));
    } catch (e) {
      if (e instanceof TimeoutError) return "timeout";
      this.ctx.log("err", `TLS handshake failed: ${errorText(e)}`);
      return "tls-failed";
    }
    this.#tls = true;
    this.ctx.log("info", describeTls(wire));
    return true; // quirk §8.5: the SMTP state is kept
  }
}
