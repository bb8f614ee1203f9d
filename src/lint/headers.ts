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
}

/** A line in the header section that is not a field or a continuation of one. */
export interface HeaderProblem {
  readonly line: number;
  readonly at: number;
  readonly reason: string;
}

export interface HeaderSection {
  readonly fields: HeaderField[];
  readonly problems: HeaderProblem[];
  /** Offset where the body starts (after the empty line), or the end of the bytes. */
  readonly bodyAt: number;
  /** 1-based line number of the body's first line. */
  readonly bodyLine: number;
  /** Offset of the first byte ≥ 0x80 in the section, -1 when none. */
  readonly eightBitAt: number;
}

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
 * A field as scanned: its value is made from the bytes when first read (the checks read the
 * values of two fields, Content-Type and Content-Transfer-Encoding, of a message's many).
 */
class ScannedField implements HeaderField {
  readonly key: string;
  #value: string | null = null;

  /** Its value after the colon is `bytes[from, to)`, its continuation lines `more`. */
  constructor(
    readonly name: string,
    readonly at: number,
    readonly line: number,
    private readonly bytes: Uint8Array,
    private readonly from: number,
    private readonly to: number,
    private readonly more: string,
  ) {
    this.key = name.toLowerCase();
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
 * the first empty line, or after `maxFields` fields (the rest counts as body).
 */
export function scanHeaders(
  bytes: Uint8Array,
  from = 0,
  to = bytes.length,
  firstLine = 1,
  maxFields = 1000,
): HeaderSection {
  const fields: HeaderField[] = [];
  const problems: HeaderProblem[] = [];
  let eightBitAt = -1;
  let at = from;
  let line = firstLine;
  // The field being read (its name `null` when none), in locals: no object per field and
  // no closure per message.
  let name: string | null = null;
  let nameAt = 0;
  let nameLine = 0;
  let valueFrom = 0;
  let valueTo = 0;
  let more = "";
  while (at < to) {
    let end = bytes.indexOf(LF, at);
    if (end < 0 || end >= to) end = to;
    const next = end < to ? end + 1 : to;
    const textEnd = end > at && bytes[end - 1] === CR ? end - 1 : end;
    if (textEnd === at) { // the empty line: the body follows
      if (name !== null) {
        fields.push(new ScannedField(name, nameAt, nameLine, bytes, valueFrom, valueTo, more));
      }
      return { fields, problems, bodyAt: next, bodyLine: line + 1, eightBitAt };
    }
    if (eightBitAt < 0) {
      for (let i = at; i < textEnd; i++) {
        if (bytes[i] >= 0x80) {
          eightBitAt = i;
          break;
        }
      }
    }
    const first = bytes[at];
    if (first === 0x20 || first === 0x09) {
      if (name !== null) more += latin1Text(bytes, at, textEnd);
      else problems.push({ line, at, reason: "continuation line without a field before it" });
    } else {
      if (name !== null) {
        fields.push(new ScannedField(name, nameAt, nameLine, bytes, valueFrom, valueTo, more));
      }
      name = null;
      if (fields.length >= maxFields) {
        return { fields, problems, bodyAt: at, bodyLine: line, eightBitAt };
      }
      let colon = at;
      while (colon < textEnd && bytes[colon] !== 0x3a) colon++;
      colon = colon < textEnd ? colon - at : -1; // no view of the line per field
      if (colon < 0) problems.push({ line, at, reason: "no colon" });
      else if (!validName(bytes, at, at + colon)) {
        problems.push({ line, at, reason: "field name with a space or control character" });
      } else {
        name = latin1Text(bytes, at, at + colon);
        nameAt = at;
        nameLine = line;
        valueFrom = at + colon + 1;
        valueTo = textEnd;
        more = "";
      }
    }
    at = next;
    line++;
  }
  if (name !== null) {
    fields.push(new ScannedField(name, nameAt, nameLine, bytes, valueFrom, valueTo, more));
  }
  return { fields, problems, bodyAt: to, bodyLine: line, eightBitAt };
}

/** The first field named `key` (lower case). */
export function field(section: HeaderSection, key: string): HeaderField | undefined {
  const fields = section.fields;
  for (let i = 0; i < fields.length; i++) if (fields[i].key === key) return fields[i];
  return undefined; // a loop, not find(): no closure per lookup
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
