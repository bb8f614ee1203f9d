/**
 * The arguments of the commands whose rules read them, read off the command line's bytes:
 * a string is made of them only when what they say is not already known.
 */
import { type EsmtpParams, NO_PARAMS, paramsAfterPath } from "../smtp/params.ts";
import { latin1Text } from "./headers.ts";
import { heloProblem } from "./protocol.ts";

/** The EHLO/HELO argument whose problem {@link heloProblemOf} found last (a copy), and it. */
let lastHelo: Uint8Array | null = null;
let lastHeloProblem: string | null = null;

/**
 * {@link heloProblem} of the argument `raw[from, to)`: a client says the same name in every
 * session, so the bytes are compared with the last ones before a string is made of them.
 */
export function heloProblemOf(raw: Uint8Array, from: number, to: number): string | null {
  const last = lastHelo;
  if (last !== null && last.length === to - from) {
    let i = 0;
    while (i < last.length && last[i] === raw[from + i]) i++;
    if (i === last.length) return lastHeloProblem;
  }
  lastHeloProblem = heloProblem(latin1Text(raw, from, to));
  lastHelo = raw.slice(from, to); // the line may be a view of a buffer that is reused
  return lastHeloProblem;
}

const COLON = 0x3a;
const LT = 0x3c;
const GT = 0x3e;

/**
 * The parameters of the MAIL argument `raw[from, to)` (`FROM:<path> KEY=VALUE …`), as
 * {@link paramsAfterPath} reads its text after the first `:`. Nearly every MAIL has none: a
 * path with nothing after it and no blank is read off the bytes, without its text.
 */
export function mailParams(raw: Uint8Array, from: number, to: number): EsmtpParams {
  let at = from;
  while (at < to && raw[at] !== COLON) at++;
  if (at === to) return NO_PARAMS; // no `:`: no path, no parameters
  const path = at + 1;
  let close = -1;
  for (let i = path; i < to; i++) {
    const b = raw[i];
    if (b === 0x20 || b === 0x09) return paramsAfterPath(latin1Text(raw, path, to));
    if (b === GT && close < 0) close = i;
  }
  // No blank: the path is all there is unless it is `<…>` followed by more.
  if (raw[path] === LT && close >= 0 && close < to - 1) {
    return paramsAfterPath(latin1Text(raw, path, to));
  }
  return NO_PARAMS;
}
