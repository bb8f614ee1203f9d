/**
 * ESMTP parameters of MAIL FROM and RCPT TO (RFC 5321 §4.1.2 `Mail-parameters`), as the
 * client sent them. Only split, never validated: whether a persona accepts them is its
 * dialect's business, and the record keeps them for sinks and tests to read.
 */

/**
 * Parameters by keyword, upper-cased; the value verbatim after the first `=`, `true` for a
 * keyword without `=`. A keyword sent twice keeps its last value.
 */
export type EsmtpParams = Record<string, string | true>;

// Defined next to the message record, so a dialect that takes no parameters (smtpmock) does
// not load this module; re-exported here where parameters are documented.
export { NO_PARAMS } from "./message.ts";

function isBlank(c: string | undefined): boolean {
  return c === " " || c === "\t";
}

/**
 * `KEY=VALUE` and `KEY` words of `text`, separated by spaces or tabs.
 *
 * @example
 * ```ts
 * import { parseParams } from "./params.ts";
 * const p = parseParams("size=1024 SMTPUTF8 ret=HDRS");
 * console.assert(p.SIZE === "1024" && p.SMTPUTF8 === true && p.RET === "HDRS");
 * ```
 */
export function parseParams(text: string): EsmtpParams {
  const params: EsmtpParams = {};
  let i = 0;
  for (;;) {
    while (isBlank(text[i])) i++;
    if (i >= text.length) return params;
    const start = i;
    while (i < text.length && !isBlank(text[i])) i++;
    const word = text.slice(start, i);
    const eq = word.indexOf("=");
    if (eq < 0) params[word.toUpperCase()] = true;
    else params[word.slice(0, eq).toUpperCase()] = word.slice(eq + 1);
  }
}

/**
 * The parameters after the path of a MAIL/RCPT argument (`<a@b> SIZE=10`, the text after
 * `FROM:`/`TO:`): the path is `<…>` up to its first `>`, or else the first word.
 *
 * @example
 * ```ts
 * import { paramsAfterPath } from "./params.ts";
 * const p = paramsAfterPath(" <a@b.example> BODY=8BITMIME");
 * console.assert(p.BODY === "8BITMIME");
 * ```
 */
export function paramsAfterPath(arg: string): EsmtpParams {
  let i = 0;
  while (isBlank(arg[i])) i++;
  const close = arg[i] === "<" ? arg.indexOf(">", i) : -1;
  if (close >= 0) i = close + 1;
  else while (i < arg.length && !isBlank(arg[i])) i++;
  return parseParams(arg.slice(i));
}
