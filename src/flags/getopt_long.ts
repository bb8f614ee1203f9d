/**
 * glibc's `getopt_long` (checked against glibc 2.36), as a pure parser for the msmtpd persona,
 * which passes an empty short-option string. Same conventions as `getopt.ts`: the first error
 * ends the parse and comes back as the text glibc would print (without the newline).
 *
 * @module
 */

import {
  type GetoptEnv,
  type GetoptResult,
  type LongOptionArg,
  type LongOptionSpec,
  scanOptions,
} from "./getopt.ts";

export type { GetoptEnv, GetoptOption, GetoptResult, LongOptionArg } from "./getopt.ts";

/** One `struct option` entry. */
export interface LongOption {
  /** Name without the leading `--`. */
  readonly name: string;
  readonly hasArg: LongOptionArg;
  /**
   * Reported as `opt` (default: `name`). Entries sharing `val` and `hasArg` are aliases: a
   * prefix matching only such entries is not ambiguous, as in glibc.
   */
  readonly val?: string;
}

/** Options for `getoptLong` beyond glibc's environment. */
export interface GetoptLongEnv extends GetoptEnv {
  /** The short-option string (glibc `optstring`); empty by default, so every `-x` is invalid. */
  shortopts?: string;
}

/**
 * `getopt_long(argc, argv, shortopts, longopts, &index)` run to completion. `--name=value` and
 * `--name value` (required arguments), `--name=value` only (optional arguments); an exact name
 * wins, otherwise an unambiguous prefix is accepted (`--vers`). `--name=` gives the empty
 * string. Operands are permuted to the end unless `posixlyCorrect` or a leading `+`; `--` ends
 * options. Options come back in command-line order: the caller applies its own precedence.
 *
 * Diagnostics (with `progName` = `argv[0]` as invoked):
 * `P: unrecognized option '--foo=bar'` and `P: option '--i' is ambiguous; possibilities:
 * '--inetd' '--interface'` echo the word as typed, `=value` included;
 * `P: option '--port' requires an argument` and `P: option '--inetd' doesn't allow an argument`
 * name the matched option in full; `P: invalid option -- 'p'` for a short option.
 */
export function getoptLong(
  progName: string,
  argv: readonly string[],
  longopts: readonly LongOption[],
  env: GetoptLongEnv = {},
): GetoptResult {
  const specs: LongOptionSpec[] = longopts.map((o) => ({
    name: o.name,
    hasArg: o.hasArg,
    val: o.val ?? o.name,
  }));
  return scanOptions(progName, argv, env.shortopts ?? "", specs, env);
}
