/**
 * Mutated SMTP sessions: a plausible dialogue (greeting, envelope, DATA, QUIT) whose lines get
 * random verbs and arguments, NUL and 8-bit bytes, bare CR or LF line ends, huge lines and bad
 * DATA terminators, sent as one pipelined burst, line by line, or in tiny chunks, and ended by
 * QUIT, a half close, an abrupt close or a reset. A plan depends only on its PRNG.
 */
import { Buffer } from "node:buffer";
import type { Prng } from "./prng.ts";

/** How the client ends: QUIT then half close; half close; close; RST; close mid-stream. */
export type Ending = "quit" | "half" | "abort" | "reset" | "cut";

export interface Write {
  bytes: Uint8Array;
  /** Wait (bounded) for a reply byte or the close before the next write. */
  waitReply: boolean;
}

export interface Plan {
  writes: Write[];
  ending: Ending;
  /** For `cut`: the number of writes sent before the connection is dropped. */
  cutAfter: number;
  /** One line for a report: the shape of the session. */
  summary: string;
}

/** Bytes of `text` (latin1: one char per byte, so `\xff` is the byte 0xff). */
const b = (text: string) => new Uint8Array(Buffer.from(text, "latin1"));

const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

const VERBS = [
  "HELO",
  "EHLO",
  "MAIL FROM:",
  "RCPT TO:",
  "DATA",
  "BDAT",
  "RSET",
  "NOOP",
  "VRFY",
  "EXPN",
  "HELP",
  "QUIT",
  "STARTTLS",
  "AUTH PLAIN",
  "AUTH LOGIN",
  "ETRN",
  "TURN",
  "GET / HTTP/1.1",
  "POST /",
];

const ADDRESSES = [
  "<a@example.com>",
  "<>",
  "<postmaster>",
  "a@example.com",
  "<@relay.example:a@example.com>",
  '<"quoted local"@example.com>',
  "<a@[127.0.0.1]>",
  "<a@[IPv6:::1]>",
  "<-rf@example.com>",
  "<a;id@example.com>",
  "<$(id)@example.com>",
  "<a@example.com",
  "a@example.com>",
  "<<a@example.com>>",
  "<a@b@c>",
  "<ü@exämple.com>",
];

const PARAMS = [
  "",
  " SIZE=100",
  " SIZE=99999999999999999999",
  " BODY=8BITMIME",
  " SMTPUTF8",
  " NOTIFY=SUCCESS,FAILURE",
  " RET=HDRS ENVID=x",
  " AUTH=<>",
  " =",
  " SIZE=",
];

function randomWord(r: Prng): string {
  const n = r.int(1, 12);
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(r.int(0x21, 0x7e));
  return s;
}

/** One command line (no line end), mostly well-formed, sometimes a random verb or bytes. */
function commandLine(r: Prng): Uint8Array {
  const roll = r.next();
  if (roll < 0.07) return r.bytes(r.int(0, 200), 1, 255).map((x) => x === 0x0a ? 0x20 : x);
  if (roll < 0.12) return b(randomWord(r) + (r.chance(0.5) ? " " + randomWord(r) : ""));
  if (roll < 0.15) return b("");
  const verb = r.pick(VERBS);
  switch (verb) {
    case "HELO":
    case "EHLO":
      return b(
        `${verb} ${r.pick(["fuzz.example", "[127.0.0.1]", "-x", "a..b", "", randomWord(r)])}`,
      );
    case "MAIL FROM:":
    case "RCPT TO:":
      return b(`${verb}${r.chance(0.2) ? " " : ""}${r.pick(ADDRESSES)}${r.pick(PARAMS)}`);
    case "BDAT":
      return b(`BDAT ${r.pick(["0", "5", "10 LAST", "x", "99999999999"])}`);
    case "AUTH PLAIN":
      return b(`AUTH PLAIN ${r.pick(["AHVzZXIAcGFzcw==", "=", "!!!", ""])}`);
    default:
      return b(r.chance(0.15) ? `${verb} ${randomWord(r)}` : verb);
  }
}

/** Maybe spoils a line: NUL, 8-bit bytes, case, spaces, truncation, or a huge length. */
function mutateLine(r: Prng, line: Uint8Array, hugeRate: number): Uint8Array {
  if (!r.chance(0.35)) return line;
  const at = line.length === 0 ? 0 : r.int(0, line.length);
  switch (r.int(0, 6)) {
    case 0:
      return concat([line.subarray(0, at), b("\0"), line.subarray(at)]);
    case 1:
      return concat([line.subarray(0, at), r.bytes(r.int(1, 8), 0x80, 0xff), line.subarray(at)]);
    case 2:
      return b(Buffer.from(line).toString("latin1").toLowerCase());
    case 3:
      return concat([b(" \t "), line, b("   ")]);
    case 4:
      return line.subarray(0, at);
    case 5:
      return concat([line, b("\r"), line]); // a bare CR inside the line
    default: {
      // Huge: around the limits (1,023 / 1,024 bytes, 64 KiB) or, rarely, megabytes.
      const n = r.chance(hugeRate)
        ? r.int(1 << 20, 3 << 20)
        : r.pick([1000, 1021, 1022, 1023, 1024, 1025, 4096, 65_530, 65_536, 70_000]);
      return concat([line, new Uint8Array(Math.max(0, n - line.length)).fill(0x78)]);
    }
  }
}

function lineEnd(r: Prng): Uint8Array {
  const roll = r.next();
  if (roll < 0.85) return b("\r\n");
  if (roll < 0.9) return b("\n");
  if (roll < 0.94) return b("\r");
  if (roll < 0.97) return b("\r\r\n");
  return b("");
}

/** A DATA body: text, dots, From_ lines, NUL, 8-bit, bare CR/LF; then some terminator. */
function dataBody(r: Prng, hugeRate: number): Uint8Array {
  const parts: Uint8Array[] = [];
  const lines = r.int(0, 30);
  for (let i = 0; i < lines; i++) {
    const kind = r.int(0, 9);
    let line: Uint8Array;
    if (kind === 0) line = b(r.pick([".", "..", ".x", "...", ". "]));
    else if (kind === 1) line = b(r.pick(["From a@b", ">From x", "From "]));
    else if (kind === 2) line = r.bytes(r.int(1, 80), 0, 255).map((x) => x === 0x0a ? 0 : x);
    else if (kind === 3) line = b(`Subject: fuzz ${r.int(0, 1e6)}`);
    else line = b(randomWord(r) + " " + randomWord(r));
    parts.push(mutateLine(r, line, hugeRate), lineEnd(r));
  }
  const roll = r.next();
  if (roll < 0.8) parts.push(b("\r\n.\r\n"));
  else if (roll < 0.88) parts.push(b("\n.\n"));
  else if (roll < 0.92) parts.push(b("\r\n.\n"));
  else if (roll < 0.96) parts.push(b(".\r\n"));
  // else: no terminator, so what follows is message content.
  return concat(parts);
}

/** The plan of one session; `hugeRate` is the share of huge lines that are megabytes long. */
export function makePlan(r: Prng, hugeRate = 0.02): Plan {
  const commands: Uint8Array[] = [];
  if (r.chance(0.8)) commands.push(b(r.pick(["EHLO fuzz.example", "HELO fuzz.example"]) + "\r\n"));
  const wellFormed = r.chance(0.4);
  if (wellFormed) {
    // A transaction in the right order, so the mutations also reach DATA.
    commands.push(
      b(`MAIL FROM:<fuzz@example.org>\r\n`),
      b(`RCPT TO:<rcpt@example.net>\r\n`),
      b("DATA\r\n"),
      dataBody(r, hugeRate),
    );
  }
  const n = r.int(0, 12);
  for (let i = 0; i < n; i++) {
    const line = commandLine(r);
    commands.push(concat([mutateLine(r, line, hugeRate), lineEnd(r)]));
    if (Buffer.from(line).toString("latin1").toUpperCase() === "DATA" && r.chance(0.7)) {
      commands.push(dataBody(r, hugeRate));
    }
  }
  const endRoll = r.next();
  const ending: Ending = endRoll < 0.35
    ? "quit"
    : endRoll < 0.55
    ? "half"
    : endRoll < 0.75
    ? "abort"
    : endRoll < 0.88
    ? "reset"
    : "cut";
  if (ending === "quit") commands.push(b("QUIT\r\n"));

  const style = r.pick(["burst", "interactive", "chunks"] as const);
  let writes: Write[];
  if (style === "burst") {
    writes = [{ bytes: concat(commands), waitReply: false }];
  } else if (style === "interactive") {
    writes = commands.map((bytes) => ({ bytes, waitReply: true }));
  } else {
    // Tiny writes first (one byte at a time, split CRLFs), then larger pieces.
    const all = concat(commands);
    writes = [];
    for (let at = 0; at < all.length;) {
      const size = at < 64 ? r.int(1, 4) : r.int(1, 4096);
      writes.push({ bytes: all.subarray(at, at + size), waitReply: false });
      at += size;
    }
  }
  const total = writes.reduce((sum, w) => sum + w.bytes.length, 0);
  return {
    writes,
    ending,
    cutAfter: r.int(0, Math.max(0, writes.length - 1)),
    summary: `${commands.length} commands, ${total} bytes, ${style}, ending ${ending}` +
      (wellFormed ? ", with a transaction" : ""),
  };
}
