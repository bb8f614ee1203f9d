/**
 * Property-based checks of the three dialect engines over the in-memory wire, shared by
 * tests/property_*.test.ts (a fixed seed, a few runs) and scripts/property.ts (a long run).
 *
 * For each dialect:
 * - chunking: a session delivered in one chunk and split at any boundaries (1-byte chunks
 *   included) gets the same replies and hands over the same messages;
 * - never throws: the engine's promise resolves for any input, cut anywhere (mid-line,
 *   mid-DATA), with a peer that may stop reading replies;
 * - bounded buffering: before each read the framing layer holds at most its cap, so with the
 *   chunk that read brings it never holds more than the cap plus one chunk; accepted bodies
 *   stay within the size limit.
 *
 * Inputs are byte strings written as JS strings of char codes 0–255 (latin1), so NUL, bare CR,
 * bare LF and 8-bit bytes are as easy to generate as text.
 */
import fc from "fast-check";
import assert from "node:assert/strict";
import { test } from "node:test";
import process from "node:process";
import { setImmediate } from "node:timers";
import { acceptAll } from "../../src/api/capturing_server.ts";
import { LineReader } from "../../src/smtp/framing.ts";
import type { ReceivedMessage, Sink } from "../../src/smtp/message.ts";
import { mockmtaEngine } from "../../src/smtp/mockmta/session.ts";
import type { MockmtaConfig } from "../../src/smtp/mockmta/config.ts";
import { MAX_COMMAND_LINE } from "../../src/smtp/msmtpd/input.ts";
import { msmtpdEngine } from "../../src/smtp/msmtpd/session.ts";
import type { SessionEngine } from "../../src/smtp/session.ts";
import { resolveConfig, type SmtpmockOptions } from "../../src/smtp/smtpmock/config.ts";
import type { SmtpmockRecord } from "../../src/smtp/smtpmock/record.ts";
import { smtpmockEngine } from "../../src/smtp/smtpmock/session.ts";
import { esmtpEngine } from "../../src/smtp/esmtp/engine.ts";
import type { EsmtpConfig } from "../../src/smtp/esmtp/config.ts";
import {
  chunked,
  FakeClock,
  MemoryWire,
  type MemoryWireOptions,
  runEngine,
} from "./memory_wire.ts";

/** Bytes of a latin1 string (one byte per char code). */
export function bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** A byte string for comparing and printing (TextDecoder's "latin1" is windows-1252). */
function text(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Dialects as the library drives them (src/api/*.ts), with limits and options to vary.

/** One dialect under test: its engine for a config, and what the properties need to know. */
export interface Dialect<C> {
  name: string;
  /** Configurations to vary (limits small enough to be reached by generated sessions). */
  config: fc.Arbitrary<C>;
  /** Configurations with small line and size caps, for the bounded-buffering property. */
  smallLimits: fc.Arbitrary<C>;
  /** The engine; `accepted` gets a comparable view of every message handed over. */
  engine(config: C, accepted: (view: string) => void): SessionEngine;
  /** Session inputs for this dialect. */
  session(config: C): fc.Arbitrary<string>;
  /**
   * The part of a transcript that must not depend on chunking. Everything, unless the
   * dialect deliberately behaves differently for input that arrived together.
   */
  chunkInvariantPart(events: string[]): string[];
  /**
   * The most the framing layer may hold before a read, in command mode and in DATA mode
   * (Infinity: the dialect has no cap there, and the property does not check it).
   */
  caps(config: C): { command: number; data: number };
  /** Largest body the dialect may accept; null when it has no limit. */
  messageLimit(config: C): number | null;
  /** Whether a client that goes silent is cut off by a timeout (else it is waited for). */
  timesOut(config: C): boolean;
  /**
   * Whether sessions may upgrade: STARTTLS then "succeeds" over the same wire (the bytes go
   * on in the clear, which is all the framing layer can tell apart).
   */
  offersTls?(config: C): boolean;
}

const DOMAINS = ["client.example", "localhost", "x", "[192.0.2.9]", ""];
const ADDRESSES = [
  "<a@b.example>",
  "<c@d.example>",
  "<>",
  "<nobody@d.example>",
  "a@b.example",
  "<bad",
  "<-x@y.example>",
];

/** A line ending: mostly CRLF, sometimes bare LF, a CR too many, or a bare CR (no line end). */
const eol = fc.constantFrom("\r\n", "\r\n", "\r\n", "\n", "\r\r\n", "\r");

const anyByteString = (maxLength: number) => fc.uint8Array({ maxLength }).map(text);

/** Text without LF: letters, blanks, dots, NUL and 8-bit bytes. */
const lineText = (maxLength: number) =>
  fc.array(
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(..."abcXYZ019 .:<>@-=") },
      { weight: 1, arbitrary: fc.constantFrom("\0", "\r", "\t", "\xe9", "\xff", "\x80") },
    ),
    { maxLength },
  ).map((cs) => cs.join(""));

/** A line of about `lengths` bytes (limits and one either side of them are worth a look). */
const longLine = (lengths: number[]) =>
  fc.tuple(
    fc.constantFrom(...[80, ...lengths].flatMap((n) => [n - 2, n - 1, n, n + 1, 2 * n])),
    fc.constantFrom("a", ".", "X", "\xff"),
    eol,
  ).map(([n, c, end]) => c.repeat(n) + end);

/** A DATA body and its end: `.` on a line, `.` LF, nothing (cut off), or a smuggling shape. */
const body = (lengths: number[]) =>
  fc.tuple(
    fc.array(
      fc.oneof(
        { weight: 5, arbitrary: fc.tuple(lineText(30), eol).map(([t, e]) => t + e) },
        {
          weight: 2,
          arbitrary: fc.tuple(fc.constantFrom(".", "..", ". "), lineText(8), eol).map((p) =>
            p.join("")
          ),
        },
        { weight: 1, arbitrary: longLine(lengths) },
        // Terminator look-alikes after a bare line end (SMTP smuggling): any reply is fine
        // here, only chunking must not change it.
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            "x\n.\r\n",
            "x\r\n.\n",
            "x\r.\r\n",
            "\n.\n",
            "x\n.\nMAIL FROM:<e@f.example>\r\n",
          ),
        },
      ),
      { maxLength: 8 },
    ),
    fc.constantFrom(".\r\n", ".\r\n", ".\r\n", ".\n", "", ".\r\r\n"),
  ).map(([lines, end]) => lines.join("") + end);

/** Commands every dialect knows, in any case, with and without arguments. */
const commonCommand = fc.oneof(
  fc.tuple(
    fc.constantFrom("HELO ", "EHLO ", "helo ", "EhLo ", "HELO", "EHLO  "),
    fc.constantFrom(...DOMAINS),
  ).map((p) => p.join("")),
  fc.tuple(
    fc.constantFrom("MAIL FROM:", "mail from: ", "MAIL FROM "),
    fc.constantFrom(...ADDRESSES),
  ).map((p) => p.join("")),
  fc.tuple(fc.constantFrom("RCPT TO:", "rcpt to: ", "RCPT TO "), fc.constantFrom(...ADDRESSES)).map(
    (p) => p.join(""),
  ),
  fc.constantFrom(
    "DATA",
    "data",
    "DATA x",
    "RSET",
    "rset",
    "RSET x",
    "NOOP",
    "noop x",
    "QUIT",
    "quit",
    "QUIT x",
    "HELP",
    "STARTTLS",
    "VRFY a",
    "EXPN b",
    "AUTH PLAIN",
  ),
);

/** A random verb and argument. */
const randomCommand = fc.tuple(fc.stringMatching(/^[A-Za-z]{1,8}$/), fc.option(lineText(20))).map((
  [verb, arg],
) => arg === null ? verb : `${verb} ${arg}`);

const VALID_TX = "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n";

/**
 * A session: mostly well-formed (greeting, transactions) so that deep states are reached,
 * mixed with random commands, raw bytes and long lines. `extra` adds dialect commands,
 * `opening` what may follow the greeting; a higher `validWeight` keeps a dialect that ends the
 * session at the first stray line (msmtpd) going longer.
 */
function sessionOf(
  lengths: number[],
  { extra = [], opening = fc.constant(""), validWeight = 6 }: {
    extra?: fc.Arbitrary<string>[];
    opening?: fc.Arbitrary<string>;
    validWeight?: number;
  } = {},
): fc.Arbitrary<string> {
  const line = (a: fc.Arbitrary<string>) => fc.tuple(a, eol).map((p) => p.join(""));
  const piece = fc.oneof(
    { weight: 4, arbitrary: line(commonCommand) },
    { weight: validWeight, arbitrary: body(lengths).map((b) => VALID_TX + b) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom("DATA\r\n", "DATA\n"), body(lengths)).map((p) =>
        p.join("")
      ),
    },
    { weight: 2, arbitrary: line(randomCommand) },
    { weight: 1, arbitrary: anyByteString(40) },
    { weight: 1, arbitrary: longLine(lengths) },
    ...extra.map((arbitrary) => ({ weight: 2, arbitrary: line(arbitrary) })),
  );
  const hello = fc.oneof(
    {
      weight: validWeight,
      arbitrary: fc.constantFrom("EHLO client.example\r\n", "HELO client.example\r\n"),
    },
    { weight: 3, arbitrary: fc.constant("") },
  );
  return fc.tuple(hello, opening, fc.array(piece, { maxLength: 12 }))
    .map(([greeting, open, pieces]) => greeting + open + pieces.join(""));
}

const CRLF_552 = /^552[ -]/;

// smtpmock ---------------------------------------------------------------------------------

export interface SmtpmockCase {
  options: SmtpmockOptions;
  maxLine?: number;
}

function smtpmockView(r: SmtpmockRecord): string {
  return JSON.stringify({
    helo: r.heloRequest,
    mail: r.mailfromRequest,
    rcpt: r.rcpttoRequestResponse,
    data: r.dataRequest,
    from: r.from,
    to: r.to,
    raw: text(r.raw),
    msg: r.msgResponse,
    rset: r.rset,
    noop: r.noop,
  });
}

const smtpmockFlags = fc.record({
  failFast: fc.constantFrom(false, false, false, true), // ends at the first error: rarer
  multipleRcptto: fc.boolean(),
  multipleMessageReceiving: fc.boolean(),
  strictDataEnd: fc.boolean(),
  notRegisteredEmails: fc.constantFrom<string[]>([], ["nobody@d.example"]),
  // A delay makes the engine wait on the clock: the fake clock must move it on.
  responseDelayRcptto: fc.constantFrom(0, 0, 1),
});

export const smtpmock: Dialect<SmtpmockCase> = {
  name: "smtpmock",
  config: fc.tuple(
    smtpmockFlags,
    fc.constantFrom(50, 120, 400),
    fc.constantFrom(undefined, undefined, undefined, 64, 300),
  )
    .map(([flags, limit, maxLine]) => ({ options: { ...flags, msgSizeLimit: limit }, maxLine })),
  smallLimits: fc.tuple(smtpmockFlags, fc.constantFrom(20, 64, 200), fc.constantFrom(40, 100))
    .map(([flags, limit, maxLine]) => ({ options: { ...flags, msgSizeLimit: limit }, maxLine })),
  engine(c, accepted) {
    return smtpmockEngine(resolveConfig(c.options), {
      maxLine: c.maxLine,
      message: (r) => accepted(smtpmockView(r)),
    });
  },
  session: (c) => sessionOf([c.options.msgSizeLimit ?? 0, c.maxLine ?? 0].filter((n) => n > 0)),
  /**
   * go-smtp-mock drops whatever its reader has buffered when it answers 552 in the middle of
   * a body (spec smtpmock.md §4.7), and so do we: what follows depends on how much had
   * arrived. Only the transcript up to and including the first 552 is compared.
   */
  chunkInvariantPart(events) {
    const at = events.findIndex((e) => CRLF_552.test(e.slice(2)) && e.startsWith("S "));
    return at < 0 ? events : events.slice(0, at + 1);
  },
  caps: (c) => ({
    command: c.maxLine ?? 1024 * 1024,
    // A body line is read with a cap of the room left plus one (never under 3).
    data: Math.max((c.options.msgSizeLimit ?? 0) + 1, 3),
  }),
  messageLimit: (c) => c.options.msgSizeLimit ?? null,
  timesOut: () => true, // sessionTimeout, 30 s by default
};

// mockmta ----------------------------------------------------------------------------------

function mockmtaView(m: ReceivedMessage & { number?: number }): string {
  return JSON.stringify({ from: m.from, to: m.to, helo: m.helo, data: text(m.data), n: m.number });
}

/** A mockmta session's limits, and whether STARTTLS is offered. */
export interface MockmtaCase {
  limits: Partial<MockmtaConfig>;
  tls: boolean;
}

const mockmtaCase = (lines: number[], commands: number[], sizes: number[]) =>
  fc.record({
    limits: fc.record({
      maxLine: fc.constantFrom(...lines),
      maxCommandLine: fc.constantFrom(...commands),
      maxMessageSize: fc.constantFrom(...sizes),
      maxRecipients: fc.constantFrom(1, 3, 32),
      idleTimeoutMs: fc.constantFrom(0, 30_000),
    }),
    tls: fc.boolean(),
  });

const TLS_GO = /^S 220 Ready to start TLS/;

export const mockmta: Dialect<MockmtaCase> = {
  name: "mockmta",
  config: mockmtaCase([64, 300, 1 << 20], [32, 1024], [40, 200, 1 << 20]),
  smallLimits: mockmtaCase([20, 64, 150], [16, 64], [20, 100]),
  engine(c, accepted) {
    let count = 0;
    return mockmtaEngine(c.limits, {
      deliver: acceptAll.deliver,
      nextMessageNumber: () => ++count,
      now: () => new Date(0),
      accepted: (m) => accepted(mockmtaView(m)),
    });
  },
  session: ({ limits: l }) =>
    sessionOf(
      [l.maxLine!, l.maxCommandLine!, l.maxMessageSize!].filter((n) => n < 10_000),
      {
        extra: [fc.constantFrom("HELP", "STARTTLS", "STARTTLS x", "RSET")],
        opening: fc.constantFrom("", "", "STARTTLS\r\n"),
      },
    ),
  /**
   * What was pipelined behind STARTTLS is dropped, never read as commands (RFC 3207 §5), and
   * how much of it had been read depends on chunking: compared up to the 220 for STARTTLS.
   */
  chunkInvariantPart(events) {
    const at = events.findIndex((e) => TLS_GO.test(e));
    return at < 0 ? events : events.slice(0, at + 1);
  },
  caps: (c) => ({ command: c.limits.maxLine!, data: c.limits.maxLine! }),
  messageLimit: (c) => c.limits.maxMessageSize!,
  timesOut: (c) => (c.limits.idleTimeoutMs ?? 0) > 0,
  offersTls: (c) => c.tls,
};

// msmtpd -----------------------------------------------------------------------------------

export interface MsmtpdCase {
  auth: boolean;
  authDelay: boolean;
}

const USER = "user";
const PASSWORD = "secret";
const b64 = (s: string) => btoa(s);
const validAuth = fc.constantFrom(
  `AUTH PLAIN ${b64(`\0${USER}\0${PASSWORD}`)}`,
  `AUTH PLAIN ${b64(`someone\0${USER}\0${PASSWORD}`)}`,
  `AUTH PLAIN\r\n${b64(`\0${USER}\0${PASSWORD}`)}`,
);
const authLine = fc.oneof(
  validAuth,
  fc.constantFrom(
    `AUTH PLAIN ${b64(`\0${USER}\0wrong`)}`,
    "AUTH PLAIN",
    "AUTH PLAIN =",
    "AUTH LOGIN",
  ),
);

export const msmtpd: Dialect<MsmtpdCase> = {
  name: "msmtpd",
  config: fc.record({ auth: fc.boolean(), authDelay: fc.boolean() }),
  smallLimits: fc.record({ auth: fc.boolean(), authDelay: fc.constant(false) }),
  engine(c, accepted) {
    const sink: Sink = {
      deliver: (m) => {
        accepted(
          JSON.stringify({
            from: m.from,
            to: m.to,
            helo: m.helo,
            data: text(m.data),
            user: m.authUser,
          }),
        );
        return acceptAll.deliver(m);
      },
    };
    return msmtpdEngine(
      { command: "cat", sink, ...(c.auth && { auth: { user: USER, password: PASSWORD } }) },
      { authDelay: () => c.authDelay, now: () => new Date(0) },
    );
  },
  // AUTH belongs right after the greeting, and mostly succeeds when it is required.
  session: (c) =>
    sessionOf([MAX_COMMAND_LINE], {
      extra: [authLine],
      opening: fc.tuple(
        c.auth
          ? fc.oneof({ weight: 6, arbitrary: validAuth }, authLine, fc.constant(""))
          : fc.oneof(authLine, { weight: 6, arbitrary: fc.constant("") }),
        eol,
      ).map(([l, e]) => l && l + e),
      validWeight: 30,
    }),
  chunkInvariantPart: (events) => events,
  // Command reads stop at 1023 bytes without LF; DATA lines have no cap (design.md: "msmtpd's
  // DATA buffer is unbounded"), which the skipped example in property_msmtpd.test.ts shows.
  caps: () => ({ command: MAX_COMMAND_LINE, data: MAX_COMMAND_LINE }),
  messageLimit: () => null,
  timesOut: () => false, // msmtpd has no timeout: it waits for as long as the client
};

// esmtp (serve) --------------------------------------------------------------------------------

const ESMTP_TLS_GO = /^S 220 2\.0\.0 Ready to start TLS/;

/** A serve session's limits and policies, and whether STARTTLS is offered. */
export interface EsmtpCase {
  config: Partial<EsmtpConfig>;
  tls: boolean;
}

const esmtpCase = (commands: number[], sizes: number[]) =>
  fc.record({
    config: fc.record({
      maxCommandLine: fc.constantFrom(...commands),
      maxMessageSize: fc.constantFrom(...sizes),
      maxRecipients: fc.constantFrom(1, 3, 100),
      maxDataLine: fc.constantFrom(0, 0, 40),
      maxErrors: fc.constantFrom(0, 3, 20, 20),
      idleTimeoutMs: fc.constantFrom(0, 30_000),
      // Refusals end transactions early: the policies that refuse are the rarer cases.
      bareLineEndings: fc.constantFrom<"accept" | "reject">("accept", "accept", "reject"),
      allowInsecureAuth: fc.boolean(),
      requireTls: fc.constantFrom(false, false, false, false, true),
    }),
    tls: fc.boolean(),
  });

/** BDAT commands with their chunk (right or wrong sizes), whole transactions, AUTH exchanges. */
const esmtpExtra = [
  fc.constantFrom(
    `${VALID_TX}Subject: s\r\n\r\nbody\r\n.`,
    "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nBDAT 5\r\nhelloBDAT 2 LAST\r\n.\n",
  ),
  fc.tuple(fc.nat({ max: 12 }), fc.constantFrom("", " LAST", " last", " LAST x"), lineText(12))
    .map(([n, last, chunk]) => `BDAT ${n}${last}\r\n${chunk}`),
  fc.constantFrom(
    `AUTH PLAIN ${btoa("\0user\0secret")}`,
    `AUTH PLAIN\r\n${btoa("\0user\0bad")}`,
    `AUTH LOGIN\r\n${btoa("user")}\r\n${btoa("secret")}`,
    "AUTH CRAM-MD5\r\n*",
    "AUTH PLAIN =",
    "MAIL FROM:<a@b.example> BODY=BINARYMIME SIZE=10",
    "MAIL FROM:<j\xc3\xb6rg@b.example> SMTPUTF8",
    "RCPT TO:<c@d.example> NOTIFY=SUCCESS ORCPT=rfc822;c@d.example",
    "GET / HTTP/1.1",
  ),
];

export const esmtp: Dialect<EsmtpCase> = {
  name: "esmtp",
  config: esmtpCase([64, 512, 4096], [40, 200, 1 << 20]),
  smallLimits: esmtpCase([16, 64], [20, 100]),
  engine(c, accepted) {
    let count = 0;
    const engine = esmtpEngine(c.config, {
      deliver: (m) => {
        accepted(JSON.stringify({
          from: m.from,
          to: m.to,
          helo: m.helo,
          data: text(m.data),
          user: m.authUser,
          params: [m.mailParams, m.rcptParams],
          transport: m.transport,
        }));
        return Promise.resolve({ ok: true, id: `M${++count}` });
      },
      authenticate: (a) => a.username === "user" && a.password === "secret",
      now: () => new Date(0),
      nonce: () => "nonce",
    });
    // The session never throws: a fault of its own shows in its log, made a rejection here.
    return async (ctx) => {
      let failure: string | null = null;
      const log = ctx.log;
      ctx.log = (level, message) => {
        if (level === "err" && message.startsWith("session failed")) failure = message;
        log(level, message);
      };
      await engine(ctx);
      if (failure) throw new Error(failure);
    };
  },
  session: ({ config: c }) =>
    sessionOf(
      [c.maxCommandLine!, c.maxMessageSize!, c.maxDataLine!].filter((n) => n > 0 && n < 10_000),
      {
        extra: esmtpExtra,
        opening: fc.constantFrom("", "", "STARTTLS\r\n"),
      },
    ),
  /** Plaintext pipelined behind STARTTLS is dropped (RFC 3207 §5): compared up to its 220. */
  chunkInvariantPart(events) {
    const at = events.findIndex((e) => ESMTP_TLS_GO.test(e));
    return at < 0 ? events : events.slice(0, at + 1);
  },
  // Commands within their cap; a body streams in pieces (bounded by the size limit only).
  caps: (c) => ({ command: c.config.maxCommandLine!, data: c.config.maxCommandLine! }),
  messageLimit: (c) => c.config.maxMessageSize!,
  timesOut: (c) => (c.config.idleTimeoutMs ?? 0) > 0,
  offersTls: (c) => c.tls,
};

// ---------------------------------------------------------------------------------------------
// Running a session

/** Chunk sizes: byte by byte, small pieces, or large ones (cycled over the input). */
export const chunkSizes: fc.Arbitrary<number[]> = fc.oneof(
  fc.constant<number[]>([1]),
  fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 8 }),
  fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 4 }),
);

export interface Transcript {
  /** `S <reply bytes>` per write and `M <message view>` per message, in order. */
  events: string[];
  outcome: string;
  error?: unknown;
}

/** Runs one session of `dialect` over `chunks` and records what the peer and sink saw. */
export async function transcript<C>(
  dialect: Dialect<C>,
  config: C,
  chunks: Uint8Array[],
  wireOptions: MemoryWireOptions = {},
): Promise<Transcript> {
  const events: string[] = [];
  const wire = new MemoryWire(chunks, {
    ...wireOptions,
    onWrite: (b) => {
      events.push(`S ${text(b)}`);
      wireOptions.onWrite?.(b);
    },
  });
  const engine = dialect.engine(config, (view) => events.push(`M ${view}`));
  const { outcome } = await runEngine(engine, wire, {
    clock: new FakeClock(),
    ...(dialect.offersTls?.(config) && { upgradeTls: () => Promise.resolve(wire) }),
  });
  return {
    events,
    outcome: outcome.kind,
    ...(outcome.kind === "rejected" && { error: outcome.error }),
  };
}

/** fast-check run parameters the tests and the long run pass in. */
export interface RunParams {
  numRuns: number;
  seed: number;
}

/** The three properties of a dialect as tests, from seeds `seed`, `seed + 1`, `seed + 2`. */
export function propertyTests<C>(dialect: Dialect<C>, { numRuns, seed }: RunParams): void {
  const name = dialect.name;
  test(`${name} property: any chunking gives the same replies and messages`, async () => {
    await chunkingInvariance(dialect, { numRuns, seed });
  });
  test(`${name} property: the engine ends without throwing for any input, cut anywhere`, async () => {
    await neverThrows(dialect, { numRuns, seed: seed + 1 });
  });
  test(`${name} property: the reader holds at most its cap plus one chunk`, async () => {
    await boundedBuffering(dialect, { numRuns, seed: seed + 2 });
  });
}

// ---------------------------------------------------------------------------------------------
// The properties

/** Same replies and messages whether the session comes in one chunk or in many. */
export function chunkingInvariance<C>(dialect: Dialect<C>, params: RunParams): Promise<void> {
  const arb = dialect.config.chain((config) =>
    fc.tuple(fc.constant(config), dialect.session(config), chunkSizes)
  );
  return fc.assert(
    fc.asyncProperty(arb, async ([config, input, sizes]) => {
      const all = bytes(input);
      const whole = await transcript(dialect, config, all.length ? [all] : []);
      const split = await transcript(dialect, config, chunked(all, sizes));
      assert.equal(whole.outcome, "resolved", "one chunk: the engine ended");
      assert.equal(split.outcome, "resolved", "chunked: the engine ended");
      assert.deepEqual(
        dialect.chunkInvariantPart(split.events),
        dialect.chunkInvariantPart(whole.events),
      );
    }),
    params,
  );
}

/**
 * The engine's promise resolves for any input cut anywhere, in any chunks, including when the
 * peer stops taking replies; no promise is left rejected without a handler.
 */
export function neverThrows<C>(dialect: Dialect<C>, params: RunParams): Promise<void> {
  const arb = dialect.config.chain((config) =>
    fc.tuple(
      fc.constant(config),
      fc.oneof(dialect.session(config), anyByteString(300)),
      fc.nat(),
      chunkSizes,
      fc.option(fc.nat({ max: 12 }), { freq: 4 }),
      fc.boolean(),
    )
  );
  return fc.assert(
    fc.asyncProperty(arb, async ([config, input, cut, sizes, failWritesAfter, silentAtEnd]) => {
      const all = bytes(input);
      const part = all.subarray(0, all.length ? cut % (all.length + 1) : 0);
      const unhandled = await collectUnhandledRejections(() =>
        transcript(dialect, config, chunked(part, sizes), {
          ...(failWritesAfter !== null && { failWritesAfter }),
          silentAtEnd,
        })
      );
      const { outcome, error } = unhandled.result;
      if (outcome === "hung") {
        // Waiting for a client that neither talks nor hangs up is right without a timeout.
        assert.ok(silentAtEnd && !dialect.timesOut(config), "pending without cause");
      } else assert.equal(outcome, "resolved", String(error ?? ""));
      assert.deepEqual(unhandled.reasons, [], "no unhandled rejection");
    }),
    params,
  );
}

/**
 * Before each read the framing layer (the session's LineReader) holds at most its cap, so
 * with what the read brings it holds at most the cap plus one chunk; every accepted body is
 * within the size limit. The reader is reached through LineReader.prototype for the duration
 * of the run: the engines do not expose it.
 */
export function boundedBuffering<C>(dialect: Dialect<C>, params: RunParams): Promise<void> {
  const arb = dialect.smallLimits.chain((config) =>
    fc.tuple(
      fc.constant(config),
      fc.oneof(dialect.session(config), floodSession(dialect.caps(config).command)),
      chunkSizes,
    )
  );
  return fc.assert(
    fc.asyncProperty(arb, async ([config, input, sizes]) => {
      const caps = dialect.caps(config);
      const seen = await watchReaders(async (readers) => {
        let inData = false;
        let most = { command: 0, data: 0 };
        let biggestChunk = 0;
        const t = await transcript(dialect, config, chunked(bytes(input), sizes), {
          // The mode is known from the replies: a 354 starts a body, the next reply ends it.
          onWrite: (b) => inData = b[0] === 0x33 && b[1] === 0x35 && b[2] === 0x34,
          beforeRead: (chunk) => {
            biggestChunk = Math.max(biggestChunk, chunk?.length ?? 0);
            for (const r of readers) {
              const held = r.buffered + (chunk?.length ?? 0);
              if (inData) most = { ...most, data: Math.max(most.data, held) };
              else most = { ...most, command: Math.max(most.command, held) };
            }
          },
        });
        return { t, most, biggestChunk };
      });
      const { t, most, biggestChunk } = seen;
      assert.equal(t.outcome, "resolved");
      assert.ok(
        most.command <= caps.command + biggestChunk,
        `command mode held ${most.command} > ${caps.command} + ${biggestChunk}`,
      );
      // An infinite cap is a dialect's declared lack of one (msmtpd's DATA mode).
      if (caps.data < Infinity) {
        assert.ok(
          most.data <= caps.data + biggestChunk,
          `DATA mode held ${most.data} > ${caps.data} + ${biggestChunk}`,
        );
      }
      const limit = dialect.messageLimit(config);
      if (limit !== null) {
        for (const e of t.events) {
          if (!e.startsWith("M ")) continue;
          const size = JSON.parse(e.slice(2)) as { data?: string; raw?: string };
          const n = (size.data ?? size.raw ?? "").length;
          assert.ok(n <= limit, `a body of ${n} bytes was accepted, limit ${limit}`);
        }
      }
    }),
    params,
  );
}

/** A greeting, a transaction, and then a long stream with few or no line ends. */
function floodSession(cap: number): fc.Arbitrary<string> {
  return fc.tuple(
    fc.constantFrom("", "EHLO client.example\r\n", `EHLO client.example\r\n${VALID_TX}`),
    fc.integer({ min: 1, max: 4 }),
    fc.constantFrom("x", "\0", "\r", "\xff"),
    fc.boolean(),
  ).map(([start, times, c, lf]) => start + (c.repeat(cap) + (lf ? "\n" : "")).repeat(times));
}

/** Runs `fn` with every LineReader that reads during it collected in the set it is given. */
export async function watchReaders<T>(fn: (readers: Set<LineReader>) => Promise<T>): Promise<T> {
  const readers = new Set<LineReader>();
  const proto = LineReader.prototype;
  const { readLine, readLineWithin } = proto;
  proto.readLine = function (this: LineReader, ...args: Parameters<LineReader["readLine"]>) {
    readers.add(this);
    return readLine.apply(this, args);
  };
  proto.readLineWithin = function (
    this: LineReader,
    ...args: Parameters<LineReader["readLineWithin"]>
  ) {
    readers.add(this);
    return readLineWithin.apply(this, args);
  };
  try {
    return await fn(readers);
  } finally {
    proto.readLine = readLine;
    proto.readLineWithin = readLineWithin;
  }
}

/** Runs `fn` and reports the promise rejections nobody handled meanwhile. */
async function collectUnhandledRejections<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; reasons: unknown[] }> {
  const reasons: unknown[] = [];
  const onUnhandled = (reason: unknown) => reasons.push(reason);
  process.on("unhandledRejection", onUnhandled);
  try {
    const result = await fn();
    // Rejections are reported as unhandled after the turn they happen in.
    await new Promise((resolve) => setImmediate(resolve));
    return { result, reasons };
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
}
