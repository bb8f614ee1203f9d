/**
 * Drives the serve dialect (src/smtp/esmtp) over the in-memory wire with the fake clock: a
 * session's input in, its replies, the messages it handed over and how it ended out.
 */
import { esmtpEngine } from "../../src/smtp/esmtp/engine.ts";
import type { EsmtpConfig, EsmtpHooks, EsmtpSessionEnd } from "../../src/smtp/esmtp/config.ts";
import type { Conversation } from "../../src/smtp/conversation.ts";
import type { DeliveryResult, ReceivedMessage } from "../../src/smtp/message.ts";
import type { TlsSession, Wire } from "../../src/smtp/wire.ts";
import {
  FakeClock,
  MemoryWire,
  type MemoryWireOptions,
  runEngine,
  type RunResult,
} from "./memory_wire.ts";

/** A fixed wall clock, so records and CRAM-MD5 challenges are the same on every run. */
export const NOW = new Date("2026-12-01T12:00:00Z");

/** Bytes of a latin1 string (one byte per char code). */
export function latin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const utf8 = new TextEncoder();

export interface Played {
  /** Everything the server wrote, as text. */
  replies: string;
  /** Reply lines, without CRLF. */
  lines: string[];
  messages: ReceivedMessage[];
  end: EsmtpSessionEnd | null;
  run: RunResult;
  wire: MemoryWire;
  clock: FakeClock;
}

export interface PlayOptions {
  config?: Partial<EsmtpConfig>;
  hooks?: Partial<EsmtpHooks>;
  /** The answer of every delivery (default: ok). */
  deliver?: (m: ReceivedMessage) => Promise<DeliveryResult>;
  /** Input chunk sizes (default: all in one chunk). */
  chunks?: Uint8Array[];
  wire?: MemoryWireOptions;
  upgradeTls?: () => Promise<Wire>;
  attach?: (c: Conversation) => void;
  clock?: FakeClock;
  /** The session runs over implicit TLS: the context says so from the start. */
  tls?: TlsSession;
}

/** Plays `input` (a UTF-8 string or bytes) against a serve session to its end. */
export async function play(input: string | Uint8Array, o: PlayOptions = {}): Promise<Played> {
  const bytes = typeof input === "string" ? utf8.encode(input) : input;
  const messages: ReceivedMessage[] = [];
  let end: EsmtpSessionEnd | null = null;
  const hooks: EsmtpHooks = {
    deliver: (m) => {
      messages.push(m);
      return o.deliver ? o.deliver(m) : Promise.resolve({ ok: true, id: `ID${messages.length}` });
    },
    now: () => NOW,
    nonce: () => "nonce",
    ended: (e) => end = e,
    ...(o.attach && { attach: o.attach }),
    ...o.hooks,
  };
  const wire = new MemoryWire(o.chunks ?? (bytes.length ? [bytes] : []), o.wire);
  const clock = o.clock ?? new FakeClock();
  const engine = esmtpEngine(o.config ?? {}, hooks);
  const tls = o.tls;
  const run = await runEngine(tls ? (ctx) => engine(Object.assign(ctx, { tls })) : engine, wire, {
    clock,
    upgradeTls: o.upgradeTls,
  });
  // The session ends quietly whatever happens, so its own faults show only in its log.
  const failed = run.log.filter((l) => l.startsWith("err session failed"));
  if (failed.length) throw new Error(failed.join("\n"));
  const replies = new TextDecoder().decode(wire.written);
  const lines = replies.split("\r\n");
  if (lines.at(-1) === "") lines.pop();
  return { replies, lines, messages, end, run, wire, clock };
}

/** The opening every test needs: greeting of the default host. */
export const GREETING = "220 localhost ESMTP mocksmtp";

/** The default EHLO reply lines (no TLS offered: no upgrade; no AUTH: not over TLS). */
export const EHLO_LINES = [
  "250-localhost",
  "250-PIPELINING",
  "250-SIZE 26214400",
  "250-8BITMIME",
  "250-SMTPUTF8",
  "250-ENHANCEDSTATUSCODES",
  "250-CHUNKING",
  "250-BINARYMIME",
  "250 DSN",
];

/** The facts a fake TLS wire reports. */
export const TLS_FACTS: TlsSession = Object.freeze({
  version: "TLSv1.3",
  cipher: "TLS_AES_256_GCM_SHA384",
  servername: "localhost",
});

/** The "protected" wire a fake STARTTLS hands over: a memory wire that reports TLS facts. */
export class TlsMemoryWire extends MemoryWire {
  readonly tls = TLS_FACTS;
}

/** Base64 of a string's UTF-8 bytes (what a client sends in AUTH). */
export function b64(s: string): string {
  return btoa(String.fromCharCode(...utf8.encode(s)));
}
