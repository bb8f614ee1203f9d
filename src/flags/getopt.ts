/**
 * glibc's `getopt` (checked against glibc 2.36), as a pure parser. It stops at the first error,
 * like a program whose `getopt` loop exits on `'?'`, and returns the diagnostic glibc would have
 * written to stderr (without the newline) instead of printing it. The shared scanner here also
 * serves `getopt_long.ts`.
 *
 * Differences from glibc, none reachable with an ASCII option string and ASCII arguments:
 * option characters are Unicode code points, not bytes (glibc reports the first byte of a
 * multi-byte character); messages are the untranslated C-locale ones; a leading `-` in the
 * option string (return-in-order) and `W;` are not supported.
 *
 * @module
 */

/** One option occurrence, in command-line order. `arg` is present only when one was taken. */
export interface GetoptOption {
  /** The option character; for a long option, its table `val` (default: its name). */
  opt: string;
  arg?: string;
}

/** Outcome of a parse: options in order and operands in order, or glibc's diagnostic. */
export type GetoptResult =
  | { ok: true; options: GetoptOption[]; operands: string[] }
  | { ok: false; error: string };

/** Stand-ins for the environment glibc consults. */
export interface GetoptEnv {
  /** As if `POSIXLY_CORRECT` were set: stop at the first operand instead of permuting. */
  posixlyCorrect?: boolean;
}

/** glibc's `has_arg` values for a long option. */
export type LongOptionArg = "no_argument" | "required_argument" | "optional_argument";

/** A `struct option` entry, normalised by `getopt_long.ts`. */
export interface LongOptionSpec {
  readonly name: string;
  readonly hasArg: LongOptionArg;
  /** What the option reports as `opt`; equal vals and `hasArg` make prefixes unambiguous. */
  readonly val: string;
}

/**
 * POSIX/glibc `getopt(argc, argv, optstring)`: clusters (`-fv`), attached or separate
 * arguments (`-p25`, `-p 25`), `x::` optional arguments (attached only), `--` ending options,
 * and glibc's default permutation (operands may sit between options). A leading `+` in
 * `optstring`, or `env.posixlyCorrect`, stops at the first operand instead. A leading `:` is
 * accepted; it only silences glibc's printing, and this parser never prints.
 *
 * @param progName `argv[0]` exactly as invoked; it prefixes every diagnostic.
 * @param argv the arguments after `argv[0]`.
 */
export function getopt(
  progName: string,
  argv: readonly string[],
  optstring: string,
  env: GetoptEnv = {},
): GetoptResult {
  return scanOptions(progName, argv, optstring, null, env);
}

/**
 * The scanner behind `getopt` and `getoptLong` (glibc's `_getopt_internal_r`, run to the end).
 * Permutation is simulated rather than performed: operands are collected in their original
 * order, which is the order glibc's exchanges leave them in.
 * @internal
 */
export function scanOptions(
  progName: string,
  argv: readonly string[],
  optstring: string,
  longopts: readonly LongOptionSpec[] | null,
  env: GetoptEnv,
): GetoptResult {
  let shorts = optstring;
  if (shorts.startsWith("-")) throw new TypeError("getopt: return-in-order ('-') unsupported");
  const requireOrder = shorts.startsWith("+") || env.posixlyCorrect === true;
  if (shorts.startsWith("+")) shorts = shorts.slice(1);

  const options: GetoptOption[] = [];
  const operands: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const word = argv[i];
    if (word === "--") {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (word[0] !== "-" || word.length === 1) {
      if (requireOrder) {
        operands.push(...argv.slice(i));
        break;
      }
      operands.push(word);
      i++;
      continue;
    }
    i++;
    if (longopts !== null && word[1] === "-") {
      const step = longOption(progName, word.slice(2), argv, i, longopts);
      if ("error" in step) return { ok: false, error: step.error };
      options.push(step.option);
      i = step.next;
      continue;
    }
    const chars = [...word.slice(1)];
    for (let k = 0; k < chars.length; k++) {
      const c = chars[k];
      const at = c === ":" || c === ";" ? -1 : shorts.indexOf(c);
      if (at < 0) return { ok: false, error: `${progName}: invalid option -- '${c}'` };
      const after = shorts.slice(at + c.length);
      if (!after.startsWith(":")) {
        options.push({ opt: c });
        continue;
      }
      const rest = chars.slice(k + 1).join("");
      if (after.startsWith("::")) {
        options.push(rest === "" ? { opt: c } : { opt: c, arg: rest });
      } else if (rest !== "") {
        options.push({ opt: c, arg: rest });
      } else if (i < argv.length) {
        // The next word is taken whatever it looks like, even "--".
        options.push({ opt: c, arg: argv[i++] });
      } else {
        return { ok: false, error: `${progName}: option requires an argument -- '${c}'` };
      }
      break;
    }
  }
  return { ok: true, options, operands };
}

type LongStep = { option: GetoptOption; next: number } | { error: string };

/** glibc's `process_long_option` for `--text`, where `next` indexes the following word. */
function longOption(
  progName: string,
  text: string,
  argv: readonly string[],
  next: number,
  longopts: readonly LongOptionSpec[],
): LongStep {
  const eq = text.indexOf("=");
  const name = eq < 0 ? text : text.slice(0, eq);
  let found = longopts.find((o) => o.name === name);
  if (found === undefined) {
    const candidates = longopts.filter((o) => o.name.startsWith(name));
    if (candidates.length === 0) {
      return { error: `${progName}: unrecognized option '--${text}'` };
    }
    found = candidates[0];
    const first = found;
    // Only entries that differ from the first match make it ambiguous (aliases do not).
    const others = candidates.filter((o) => o.hasArg !== first.hasArg || o.val !== first.val);
    if (others.length > 0) {
      const list = [first, ...others].map((o) => ` '--${o.name}'`).join("");
      return { error: `${progName}: option '--${text}' is ambiguous; possibilities:${list}` };
    }
  }
  // Diagnostics from here on name the option in full, not as typed.
  if (eq >= 0) {
    if (found.hasArg === "no_argument") {
      return { error: `${progName}: option '--${found.name}' doesn't allow an argument` };
    }
    return { option: { opt: found.val, arg: text.slice(eq + 1) }, next };
  }
  if (found.hasArg === "required_argument") {
    if (next >= argv.length) {
      return { error: `${progName}: option '--${found.name}' requires an argument` };
    }
    return { option: { opt: found.val, arg: argv[next] }, next: next + 1 };
  }
  return { option: { opt: found.val }, next };
}
