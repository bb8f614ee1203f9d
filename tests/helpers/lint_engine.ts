/**
 * A small ESMTP engine for lint tests: advertises the extensions a test asks for, accepts
 * every command and message, and hands each message record to `deliver`. It lets a crafted
 * session reach every lint rule over a memory wire without depending on a persona's quirks.
 */
import { Conversation } from "../../src/smtp/conversation.ts";
import { GrowingBody } from "../../src/smtp/framing.ts";
import type { ReceivedMessage } from "../../src/smtp/message.ts";
import { paramsAfterPath } from "../../src/smtp/params.ts";
import type { SessionEngine } from "../../src/smtp/session.ts";
import type { Wire } from "../../src/smtp/wire.ts";
import { FakeClock, runEngine } from "./memory_wire.ts";

const CRLF_ENDING = {
  lineStart: "crlf",
  dotCrlf: true,
  dotLf: false,
  sameEnding: false,
  keepLoneDot: false,
} as const;

export interface LintEngineOptions {
  /** EHLO keywords after the greeting line (default PIPELINING 8BITMIME SMTPUTF8 SIZE CHUNKING). */
  extensions?: string[];
  attach(conv: Conversation): void;
  deliver?(message: ReceivedMessage): void;
}

export const ALL_EXTENSIONS = [
  "PIPELINING",
  "8BITMIME",
  "SMTPUTF8",
  "SIZE 10000000",
  "CHUNKING",
  "STARTTLS",
  "AUTH PLAIN",
];

/** The engine: one session per call. */
export function lintEngine(o: LintEngineOptions): SessionEngine {
  const ext = o.extensions ?? ALL_EXTENSIONS;
  return async (ctx) => {
    const conv = new Conversation(ctx, { maxLine: 4096 });
    o.attach(conv);
    await conv.reply("220 lint.test ESMTP");
    let helo = "";
    let from = "";
    let mailParams = {};
    let to: string[] = [];
    let chunks: Uint8Array[] = [];
    const accept = async (data: Uint8Array) => {
      if (!(await conv.gate("dot", ""))) return;
      o.deliver?.({
        sessionId: conv.info.id,
        from,
        to,
        mailParams,
        data,
        helo,
        remoteAddress: ctx.remote,
        localAddress: ctx.local,
        receivedAt: new Date(0),
      });
      await conv.reply("250 2.0.0 accepted");
    };
    for (;;) {
      const line = await conv.readCommand();
      if (line === null) return conv.end();
      const text = new TextDecoder().decode(line).replace(/\r?\n$/, "");
      const verb = text.split(" ")[0].toUpperCase();
      const arg = text.slice(verb.length + 1);
      if (verb === "EHLO") {
        helo = arg;
        await conv.reply(
          ["250-lint.test", ...ext.map((e) => `250-${e}`)].join("\r\n").replace(
            /250-([^\r]*)$/,
            "250 $1",
          ),
        );
      } else if (verb === "HELO") {
        helo = arg;
        await conv.reply("250 lint.test");
      } else if (verb === "MAIL") {
        from = /<([^>]*)>/.exec(arg)?.[1] ?? "";
        mailParams = paramsAfterPath(arg.slice(arg.indexOf(":") + 1));
        to = [];
        await conv.reply("250 2.1.0 ok");
      } else if (verb === "RCPT") {
        to.push(/<([^>]*)>/.exec(arg)?.[1] ?? "");
        await conv.reply("250 2.1.5 ok");
      } else if (verb === "DATA") {
        await conv.reply("354 go ahead");
        const result = await conv.readData({
          ending: CRLF_ENDING,
          body: new GrowingBody(10_000_000),
          maxSize: 10_000_000,
          overflow: "drain",
        });
        if (result.end !== "data") return conv.end();
        await accept(result.bytes);
      } else if (verb === "BDAT") {
        const [size, last] = arg.split(" ");
        const bytes = await conv.readChunk(Number(size));
        if (bytes === null) return conv.end();
        chunks.push(bytes);
        if (last?.toUpperCase() === "LAST") {
          const data = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
          let at = 0;
          for (const c of chunks) data.set(c, (at += c.length) - c.length);
          chunks = [];
          await accept(data);
        } else await conv.reply(`250 2.0.0 ${size} octets`);
      } else if (verb === "AUTH") {
        await conv.reply("235 2.7.0 ok");
      } else if (verb === "STARTTLS") {
        await conv.reply("220 2.0.0 go");
        await conv.startTls();
      } else if (verb === "QUIT") {
        await conv.reply("221 2.0.0 bye");
        return conv.close();
      } else await conv.reply("250 ok");
    }
  };
}

/** A wire that pretends to be protected by TLS, for a STARTTLS in memory. */
function fakeTls(wire: Wire): Wire {
  return {
    read: () => wire.read(),
    write: (d) => wire.write(d),
    close: () => wire.close(),
    tls: { version: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256" },
  };
}

/** A chunk the client sends at once, without waiting for a reply first. */
export interface Eager {
  readonly eager: string | Uint8Array;
}

/** What a scripted client sends: each chunk after a reply to the one before, unless eager. */
export type Script = (string | Uint8Array | Eager)[];

const bytesOf = (c: string | Uint8Array) => typeof c === "string" ? new TextEncoder().encode(c) : c;

/**
 * A client that waits for a reply before each chunk (an {@link Eager} one it sends at once),
 * then closes: the order of a real conversation, so reads ahead of the greeting or of a reply
 * find nothing unless the script says the client sent early.
 */
export class ScriptWire implements Wire {
  readonly #script: Script;
  #next = 0;
  #writes = 0;
  #writesAtLastRead = 0;
  #waiting: (() => void) | null = null;
  #closed = false;
  readonly writes: Uint8Array[] = [];

  constructor(script: Script) {
    this.#script = script;
  }

  read(): Promise<Uint8Array | null> {
    const step = this.#script[this.#next];
    const eager = step !== undefined && typeof step === "object" && "eager" in step;
    const ready = this.#closed || eager || this.#writes > this.#writesAtLastRead;
    if (!ready) return new Promise((resolve) => this.#waiting = () => resolve(this.read()));
    this.#writesAtLastRead = this.#writes;
    if (this.#closed || step === undefined) return Promise.resolve(null);
    this.#next++;
    return Promise.resolve(bytesOf(eager ? (step as Eager).eager : step as string | Uint8Array));
  }

  write(data: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("broken pipe"));
    this.writes.push(data.slice());
    this.#writes++;
    const w = this.#waiting;
    this.#waiting = null;
    w?.();
    return Promise.resolve();
  }

  close(): void {
    this.#closed = true;
    const w = this.#waiting;
    this.#waiting = null;
    w?.();
  }

  get written(): string {
    return this.writes.map((w) => new TextDecoder().decode(w)).join("");
  }
}

/** Runs one session of `lintEngine` over `script`; returns what was written and delivered. */
export async function runLintSession(
  script: Script,
  o: Omit<LintEngineOptions, "deliver">,
): Promise<{ written: string; messages: ReceivedMessage[] }> {
  const messages: ReceivedMessage[] = [];
  const wire = new ScriptWire(script);
  await runEngine(lintEngine({ ...o, deliver: (m) => messages.push(m) }), wire, {
    clock: new FakeClock(),
    upgradeTls: () => Promise.resolve(fakeTls(wire)),
  });
  return { written: wire.written, messages };
}
