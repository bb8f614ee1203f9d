/**
 * MAIL and RCPT parameters of the serve dialect, parsed and validated: SIZE (RFC 1870), BODY
 * (RFC 6152, RFC 3030), SMTPUTF8 (RFC 6531), RET/ENVID and NOTIFY/ORCPT (RFC 3461), AUTH
 * (RFC 4954). A parameter of an extension that is disabled, or that the client cannot know
 * because it greeted with HELO, is unsupported (`555`), like one nobody defined.
 */
import type { Reply } from "../reply.ts";
import { type EsmtpParams, NO_PARAMS } from "../params.ts";
import { invalidParamReply, REPLY, unsupportedParamReply } from "./replies.ts";

/** The extensions in force for a command (not disabled, and the client said EHLO). */
export type Offered = (extension: string) => boolean;

/** BODY= values (RFC 6152 §2, RFC 3030 §3). */
export type BodyType = "7BIT" | "8BITMIME" | "BINARYMIME";

/** What MAIL's parameters establish for the transaction. */
export interface MailFacts {
  params: EsmtpParams;
  /** BODY=, when given. */
  body?: BodyType;
  smtpUtf8: boolean;
}

// RFC 5321 §4.1.2: esmtp-keyword and esmtp-value (UTF-8 allowed in values under RFC 6531).
const KEYWORD = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
// deno-lint-ignore no-control-regex
const VALUE = /^[^\x00-\x20=\x7f]+$/;
// RFC 3461 §4: xtext, `+` only as a hex escape.
const XTEXT = /^(?:[\x21-\x2a\x2c-\x3c\x3e-\x7e]|\+[0-9A-F]{2})*$/;

/**
 * The words of a parameter text as a record (keywords upper-cased, values verbatim, `true`
 * for a bare keyword), or the reply for a malformed or repeated one.
 */
export function splitParams(text: string): EsmtpParams | Reply {
  // Most commands have none: the shared frozen record, as the other dialects' records have.
  if (text === "") return NO_PARAMS;
  const params: EsmtpParams = {};
  for (const word of text.split(/[ \t]+/)) {
    if (word === "") continue;
    const eq = word.indexOf("=");
    const keyword = (eq < 0 ? word : word.slice(0, eq)).toUpperCase();
    if (!KEYWORD.test(keyword)) return invalidParamReply(keyword || "=");
    if (Object.hasOwn(params, keyword)) return invalidParamReply(keyword);
    if (eq < 0) params[keyword] = true;
    else {
      const value = word.slice(eq + 1);
      if (!VALUE.test(value)) return invalidParamReply(keyword);
      params[keyword] = value;
    }
  }
  return params;
}

/** MAIL's parameters checked against the offered extensions and the size limit. */
export function mailFacts(text: string, offered: Offered, maxSize: number): MailFacts | Reply {
  const params = splitParams(text);
  if (isReply(params)) return params;
  const facts: MailFacts = { params, smtpUtf8: false };
  for (const [keyword, value] of Object.entries(params)) {
    const refusal = checkMailParam(keyword, value, offered, maxSize, facts);
    if (refusal) return refusal;
  }
  return facts;
}

function checkMailParam(
  keyword: string,
  value: string | true,
  offered: Offered,
  maxSize: number,
  facts: MailFacts,
): Reply | null {
  switch (keyword) {
    case "SIZE": {
      if (!offered("SIZE")) break;
      if (value === true || !/^\d{1,20}$/.test(value)) return invalidParamReply(keyword);
      // SIZE 0 would mean no limit (RFC 1870 §4); ours always has one.
      return Number(value) > maxSize ? REPLY.tooBig : null;
    }
    case "BODY": {
      if (value === true) return invalidParamReply(keyword);
      const body = value.toUpperCase();
      if (body === "8BITMIME" || body === "7BIT") {
        if (!offered("8BITMIME") && !(body === "7BIT" && offered("BINARYMIME"))) break;
      } else if (body === "BINARYMIME") {
        if (!offered("BINARYMIME")) break;
      } else return invalidParamReply(keyword);
      facts.body = body;
      return null;
    }
    case "SMTPUTF8":
      if (!offered("SMTPUTF8")) break;
      if (value !== true) return invalidParamReply(keyword);
      facts.smtpUtf8 = true;
      return null;
    case "RET":
      if (!offered("DSN")) break;
      return value === true || !/^(FULL|HDRS)$/i.test(value) ? invalidParamReply(keyword) : null;
    case "ENVID":
      if (!offered("DSN")) break;
      return isXtext(value, 100) ? null : invalidParamReply(keyword);
    case "AUTH":
      // RFC 4954 §5: the original submitter, `<>` when unknown; recorded, never trusted.
      if (!offered("AUTH")) break;
      return isXtext(value, 500) ? null : invalidParamReply(keyword);
  }
  return unsupportedParamReply(keyword);
}

/** RCPT's parameters checked against the offered extensions. */
export function rcptParams(text: string, offered: Offered): EsmtpParams | Reply {
  const params = splitParams(text);
  if (isReply(params)) return params;
  for (const [keyword, value] of Object.entries(params)) {
    if (!offered("DSN") || (keyword !== "NOTIFY" && keyword !== "ORCPT")) {
      return unsupportedParamReply(keyword);
    }
    const ok = keyword === "NOTIFY" ? isNotify(value) : isOrcpt(value);
    if (!ok) return invalidParamReply(keyword);
  }
  return params;
}

/** `NEVER`, or a list of SUCCESS, FAILURE and DELAY (RFC 3461 §4.1). */
function isNotify(value: string | true): boolean {
  if (value === true) return false;
  const items = value.toUpperCase().split(",");
  if (items.length === 1 && items[0] === "NEVER") return true;
  const seen = new Set<string>();
  for (const item of items) {
    if (!/^(SUCCESS|FAILURE|DELAY)$/.test(item) || seen.has(item)) return false;
    seen.add(item);
  }
  return true;
}

/** `addr-type;xtext` (RFC 3461 §4.2), e.g. `rfc822;user@example.org`. */
function isOrcpt(value: string | true): boolean {
  if (value === true) return false;
  const semi = value.indexOf(";");
  if (semi <= 0) return false;
  const type = value.slice(0, semi);
  const address = value.slice(semi + 1);
  if (!KEYWORD.test(type) || address.length === 0) return false;
  // RFC 6533 utf-8 addresses use their own escapes; any value text is fine there.
  return type.toLowerCase() === "utf-8" || isXtext(address, 500);
}

function isXtext(value: string | true, max: number): boolean {
  return value !== true && value.length > 0 && value.length <= max && XTEXT.test(value);
}

/** True for a reply (a refusal) rather than parsed parameters. */
export function isReply(x: object): x is Reply {
  return typeof (x as Reply).code === "number" && Array.isArray((x as Reply).lines);
}
