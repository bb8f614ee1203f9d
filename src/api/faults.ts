/**
 * Fault rules (issue 12) for the library's servers: the `faults` option and the attach hook
 * that puts them on each session. The rules' modules are loaded only when the option is
 * given, so a server without faults (every clone's default) loads nothing more.
 */
import type { FaultRules } from "../faults/rules.ts";
import type { FaultConventions } from "../faults/conventions.ts";
import type { Conversation } from "../smtp/conversation.ts";

/** Options shared by the library's servers: fault rules. */
export interface FaultOptions {
  /**
   * Extension: fault rules, e.g. `["rcpt:*@full.example => 452 4.2.2 Mailbox full"]` (see
   * docs/faults.md), or a {@link FaultRules} (shared, or built by the caller). Off by default:
   * the server's bytes are its persona's. Given (even `[]`), {@link faults} adds and removes
   * rules while the server runs.
   */
  faults?: readonly string[] | FaultRules;
  /** Seed of the generator behind `%P` rules when `faults` is a list (default: random). */
  faultSeed?: number;
}

/** The server's rules for `options`, or none (nothing loaded). Throws `FaultRuleError`. */
export async function faultRulesFor(options: FaultOptions): Promise<FaultRules | undefined> {
  const given = options.faults;
  if (given === undefined) return undefined;
  const { FaultRules } = await import("../faults/rules.ts");
  if (given instanceof FaultRules) return given;
  return new FaultRules({
    rules: given as readonly string[],
    ...(options.faultSeed !== undefined && { seed: options.faultSeed }),
  });
}

type Attach = (conversation: Conversation) => void;

/**
 * One attach hook out of several optional ones (transcripts, faults, …), run in order; none
 * when none is given, so the dialect attaches nothing.
 */
export function attachAll(...hooks: Array<Attach | undefined | false>): Attach | undefined {
  const present = hooks.filter((h): h is Attach => typeof h === "function");
  if (present.length === 0) return undefined;
  if (present.length === 1) return present[0];
  return (c) => {
    for (const h of present) h(c);
  };
}

/** The hook that attaches `faults` with a persona's conventions (plain ones by default). */
export function faultsHook(
  faults: FaultRules | undefined,
  conventions?: FaultConventions,
): Attach | undefined {
  return faults && ((c) => faults.attach(c, conventions));
}

/** What `server.faults` throws when the server was started without the option. */
export function noFaults(): never {
  throw new Error(
    "faults: this server was started without fault rules; pass `faults: []` (or rules) to " +
      "start() to add and remove them while it runs",
  );
}

/** Where a command line's rules come from, in command-line order. */
export type FaultSource = { readonly rule: string } | { readonly file: string };

/** A rule or rules file that could not be used: `source` says which. */
export class FaultSourceError extends Error {
  constructor(readonly source: FaultSource, message: string) {
    super(message);
    this.name = "FaultSourceError";
  }
}

/**
 * The rules of `--fault RULE` and `--faults FILE` options, in order (a file: one rule per
 * line, blank lines and `#` comments skipped). Rejects with one line naming the bad rule and
 * the column (`FILE:LINE: fault rule "…": column N: …` for a file's).
 */
export async function loadFaultRules(
  sources: readonly FaultSource[],
  seed?: number,
): Promise<FaultRules> {
  const { FaultRules, FaultRuleError } = await import("../faults/rules.ts");
  const { readFile } = await import("node:fs/promises");
  const faults = new FaultRules(seed === undefined ? {} : { seed });
  for (const source of sources) {
    if ("rule" in source) {
      try {
        faults.add(source.rule);
      } catch (e) {
        throw new FaultSourceError(source, (e as Error).message);
      }
      continue;
    }
    let text: string;
    try {
      text = await readFile(source.file, "utf8");
    } catch (e) {
      throw new FaultSourceError(
        source,
        `cannot read fault rules from ${source.file}: ${(e as Error).message}`,
      );
    }
    for (const [i, line] of text.split(/\r?\n/).entries()) {
      const rule = line.trim();
      if (rule === "" || rule.startsWith("#")) continue;
      try {
        faults.add(rule);
      } catch (e) {
        if (e instanceof FaultRuleError) {
          throw new FaultSourceError(source, `${source.file}:${i + 1}: ${e.message}`);
        }
        throw e;
      }
    }
  }
  return faults;
}

/** A `--fault-seed` value: a whole number from 0 to 2^32-1, else `null`. */
export function parseFaultSeed(text: string): number | null {
  if (!/^\d{1,10}$/.test(text)) return null;
  const n = Number(text);
  return n < 2 ** 32 ? n : null;
}
