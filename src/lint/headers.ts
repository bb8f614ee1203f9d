/**
 * A small header scanner for lint (RFC 5322 §2.2): fields with their line numbers and the
 * lines that are not fields. Values are read as Latin-1 (one char per byte), so offsets and
 * 8-bit bytes survive for the evidence; nothing is decoded.
 */

import { latin1 } from "../smtp/latin1.ts";

const LF = 0x0a;
const CR = 0x0d;

/** One header field, unfolded. */
export interface HeaderField {
  /** As written. */
  readonly name: string;
  /** Lower-cased, for lookups. */
  readonly key: string;
  /** The value after the colon, continuation lines joined, Latin-1. */
  readonly value: string;
  /** 1-based line of the field's first line, in the whole message. */
  readonly line: number;
  /** Offset of the field's first line. */
  readonly at: number;
  /** Its place in {@link KNOWN_FIELDS}, -1 when it is none of them. */
  readonly known: number;
}

/**
 * The fields lint's checks look up, lower case: RFC 5322's singletons first (format.ts), then
 * the MIME ones. A field is matched against them on its bytes as it is scanned, so a name
 * becomes a string only when evidence shows it.
 */
export const KNOWN_FIELDS: readonly string[] = [
  "date",
  "from",
  "sender",
  "reply-to",
  "to",
  "cc",
  "bcc",
  "message-id",
  "in-reply-to",
  "references",
  "subject",
  "content-type",
  "content-transfer-encoding",
];

/** {@link KNOWN_FIELDS}' places by name. */
const KNOWN_INDEX: ReadonlyMap<string, number> = new Map(KNOWN_FIELDS.map((k, i) => [k, i]));

/** {@link KNOWN_FIELDS}' places by the name's length. */
const KNOWN_BY_LENGTH: number[][] = [];
for (let i = 0; i < KNOWN_FIELDS.length; i++) {
  (KNOWN_BY_LENGTH[KNOWN_FIELDS[i].length] ??= []).push(i);
}

/**
 * The place in {@link KNOWN_FIELDS} of the valid field name `bytes[from, to)`, in either
 * case, or -1. `| 0x20` lower-cases a letter and keeps `-`; of the printable bytes a valid
 * name has, only the same letter in upper case maps to a lower-case letter.
 */
function knownField(bytes: Uint8Array, from: number, to: number): number {
  const candidates = KNOWN_BY_LENGTH[to - from];
  if (candidates === undefined) return -1;
  for (let c = 0; c < candidates.length; c++) {
    const name = KNOWN_FIELDS[candidates[c]];
    let i = 0;
    while (i < name.length && (bytes[from + i] | 0x20) === name.charCodeAt(i)) i++;
    if (i === name.length) return candidates[c];
  }
  return -1;
}

/** A line in the header section that is not a field or a continuation of one. */
export interface HeaderProblem {
  readonly line: number;
  readonly at: number;
  readonly reason: string;
}

export interface HeaderSection {
  readonly fields: HeaderField[];
  readonly problems: readonly HeaderProblem[];
  /** Offset where the body starts (after the empty line), or the end of the bytes. */
  readonly bodyAt: number;
  /** 1-based line number of the body's first line. */
  readonly bodyLine: number;
  /** Offset of the first byte ≥ 0x80 in the section, -1 when none. */
  readonly eightBitAt: number;
}

/** The problem of a continuation line with no field to continue. */
const ORPHAN = "continuation line without a field before it";

/** The problems of a section without any. */
const NO_PROBLEMS: readonly HeaderProblem[] = [];

const windows1252 = new TextDecoder("latin1");

/** Runs longer than this go to the decoder at once (well under argument limits). */
const APPLY = 4096;

/**
 * `bytes[from, to)` as Latin-1 text (windows-1252, as the decoder reads it). Made from the
 * char codes unless a byte 0x80–0x9F (where windows-1252 differs from the code points) needs
 * the decoder: a decoder call costs more (on Deno it crosses into Rust, ~0.2 µs).
 */
export function latin1Text(bytes: Uint8Array, from = 0, to = bytes.length): string {
  if (to - from > APPLY) return windows1252.decode(bytes.subarray(from, to));
  for (let i = from; i < to; i++) {
    const b = bytes[i];
    if (b >= 0x80 && b < 0xa0) return windows1252.decode(bytes.subarray(from, to));
  }
  return latin1(bytes, from, to);
}

/** What `String.prototype.trim` removes, among the chars one byte can be (Latin-1). */
function trimmed(b: number): boolean {
  return (b >= 0x09 && b <= 0x0d) || b === 0x20 || b === 0xa0;
}

/**
 * A field as scanned: its name and value are made from the bytes when first read (the
 * checks read the values of two fields, Content-Type and Content-Transfer-Encoding, of a
 * message's many, and a name only for evidence).
 */
class ScannedField implements HeaderField {
  #name: string | null = null;
  #key: string | null = null;
  #value: string | null = null;

  /**
   * Its name is `bytes[at, valueFrom - 1)`; its value after the colon `bytes[valueFrom, to)`,
   * its continuation lines `more`.
   */
  constructor(
    readonly at: number,
    readonly line: number,
    readonly known: number,
    private readonly bytes: Uint8Array,
    private readonly from: number,
    private readonly to: number,
    private readonly more: string,
  ) {}

  /** As written. */
  get name(): string {
    return this.#name ??= latin1Text(this.bytes, this.at, this.from - 1);
  }

  /** Lower-cased, for lookups. */
  get key(): string {
    return this.#key ??= this.known >= 0 ? KNOWN_FIELDS[this.known] : this.name.toLowerCase();
  }

  /** Trimmed as `trim` would; a one-line value without the untrimmed string made first. */
  get value(): string {
    if (this.#value !== null) return this.#value;
    let { from, to } = this;
    const bytes = this.bytes;
    if (this.more === "") {
      while (from < to && trimmed(bytes[from])) from++;
      while (to > from && trimmed(bytes[to - 1])) to--;
      return this.#value = latin1Text(bytes, from, to);
    }
    return this.#value = (latin1Text(bytes, from, to) + this.more).trim();
  }
}

/** Whether every byte of `name` is a printable ASCII character other than `:`. */
function validName(bytes: Uint8Array, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const b = bytes[i];
    if (b < 33 || b > 126) return false;
  }
  return true;
}

/**
 * The header section of `bytes[from, to)`, whose first line is line `firstLine`. Stops at
 * the first empty line, or after `maxFields` fields (the rest counts as body). `ascii`: no
 * byte of the range is ≥ 0x80 (known from a scan already made: no look for 8-bit bytes).
 */
export function scanHeaders(
  bytes: Uint8Array,
  from = 0,
  to = bytes.length,
  firstLine = 1,
  maxFields = 1000,
  ascii = false,
): HeaderSection {
  const fields: HeaderField[] = [];
  let problems: HeaderProblem[] | null = null;
  let eightBitAt = -1;
  let at = from;
  let line = firstLine;
  // The field being read (`nameAt` -1 when none), in locals: no object per field and no
  // closure per message.
  let nameAt = -1;
  let nameLine = 0;
  let known = -1;
  let valueFrom = 0;
  let valueTo = 0;
  let more = "";
  let lookFor8bit = !ascii;
  while (at < to) {
    // A loop, not `indexOf`: header lines are short, and on Deno a call costs ~45 ns.
    let end = at;
    while (end < to && bytes[end] !== LF) end++;
    const next = end < to ? end + 1 : to;
    const textEnd = end > at && bytes[end - 1] === CR ? end - 1 : end;
    if (textEnd === at) { // the empty line: the body follows
      if (nameAt >= 0) {
        fields.push(new ScannedField(nameAt, nameLine, known, bytes, valueFrom, valueTo, more));
      }
      return section(fields, problems, next, line + 1, eightBitAt);
    }
    if (lookFor8bit) {
      for (let i = at; i < textEnd; i++) {
        if (bytes[i] >= 0x80) {
          eightBitAt = i;
          lookFor8bit = false;
          break;
        }
      }
    }
    const first = bytes[at];
    if (first === 0x20 || first === 0x09) {
      if (nameAt >= 0) more += latin1Text(bytes, at, textEnd);
      else problems = withProblem(problems, line, at, ORPHAN);
    } else {
      if (nameAt >= 0) {
        fields.push(new ScannedField(nameAt, nameLine, known, bytes, valueFrom, valueTo, more));
      }
      nameAt = -1;
      if (fields.length >= maxFields) {
        return section(fields, problems, at, line, eightBitAt);
      }
      let colon = at;
      while (colon < textEnd && bytes[colon] !== 0x3a) colon++;
      if (colon === textEnd) problems = withProblem(problems, line, at, "no colon");
      else if (!validName(bytes, at, colon)) {
        problems = withProblem(problems, line, at, "field name with a space or control character");
      } else {
        nameAt = at;
        nameLine = line;
        known = knownField(bytes, at, colon);
        valueFrom = colon + 1;
        valueTo = textEnd;
        more = "";
      }
    }
    at = next;
    line++;
  }
  if (nameAt >= 0) {
    fields.push(new ScannedField(nameAt, nameLine, known, bytes, valueFrom, valueTo, more));
  }
  return section(fields, problems, to, line, eightBitAt);
}

/** `problems` with one more (made at the first: clean mail has none). */
function withProblem(
  problems: HeaderProblem[] | null,
  line: number,
  at: number,
  reason: string,
): HeaderProblem[] {
  (problems ??= []).push({ line, at, reason });
  return problems;
}

/** The section found, its problems {@link NO_PROBLEMS} when there were none. */
function section(
  fields: HeaderField[],
  problems: HeaderProblem[] | null,
  bodyAt: number,
  bodyLine: number,
  eightBitAt: number,
): HeaderSection {
  return { fields, problems: problems ?? NO_PROBLEMS, bodyAt, bodyLine, eightBitAt };
}

/** The first field named `key` (lower case). */
export function field(section: HeaderSection, key: string): HeaderField | undefined {
  const fields = section.fields;
  // A loop, not find(): no closure per lookup; a known name compared by its place.
  const known = KNOWN_INDEX.get(key);
  if (known !== undefined) {
    for (let i = 0; i < fields.length; i++) if (fields[i].known === known) return fields[i];
    return undefined;
  }
  for (let i = 0; i < fields.length; i++) if (fields[i].key === key) return fields[i];
  return undefined;
}

/** A Content-Type value: its type/subtype (lower case) and parameters (keys lower case). */
export interface ContentType {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
}

/** Parses `type/subtype; key=value; key="quoted"` loosely (lint reports, never refuses). */
export function parseContentType(value: string): ContentType {
  const semi = value.indexOf(";");
  const type = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  const params = new Map<string, string>();
  if (semi >= 0) {
    const re = /;\s*([^\s=;]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^;\s]*)/g;
    for (const m of value.slice(semi).matchAll(re)) {
      params.set(m[1].toLowerCase(), m[3] !== undefined ? m[3].replace(/\\(.)/g, "$1") : m[2]);
    }
  }
  return { type, params };
}
