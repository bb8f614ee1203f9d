/**
 * The fault rule language (issue 12), parsed into rule objects:
 *
 * ```text
 * RULE   := STAGE [":" MATCH] [SELECT] ["@session"] "=>" ACTION
 * STAGE  := connect | helo | mail | rcpt | data | dot | bdat | auth | starttls | rset | quit
 *         | other | any
 * SELECT := "#" N | "#" N "-" M | "#" N "+" | "%" P
 * ACTION := CODE [ENHANCED] [TEXT] | drop | delay MS [then ACTION] | tarpit BYTES_PER_S
 *         | hang | greylist SECONDS
 * ```
 *
 * A rule that could never do what it says is refused with a {@link FaultRuleError} naming the
 * 1-based column of the fault. Pure: imports only the seam's types.
 */
import type { Stage } from "../smtp/conversation.ts";

/** A rule's stage: one of the seam's, or `any` (every stage). */
export type FaultStage = Stage | "any";

/** Which of the events a rule matches it acts on. */
export type Selector =
  /** Every one. */
  | { readonly kind: "every" }
  /** The `from`-th to `to`-th (1-based, inclusive; `to` may be Infinity). */
  | { readonly kind: "nth"; readonly from: number; readonly to: number }
  /** Each with probability `percent`/100, drawn from the seeded generator. */
  | { readonly kind: "percent"; readonly percent: number };

/** What a rule does when it fires. */
export type FaultAction =
  /** This reply instead of the server's: `enhanced` and `text` only as written in the rule. */
  | {
    readonly kind: "reply";
    readonly code: number;
    readonly enhanced?: string;
    readonly text?: string;
  }
  | { readonly kind: "drop" }
  | { readonly kind: "hang" }
  | { readonly kind: "delay"; readonly ms: number; readonly then?: FaultAction }
  | { readonly kind: "tarpit"; readonly bytesPerSecond: number }
  | { readonly kind: "greylist"; readonly seconds: number };

/** One parsed rule. */
export interface FaultRule {
  /** The rule as given, trimmed. */
  readonly text: string;
  readonly stage: FaultStage;
  /** The glob as written (`*@full.example`), when the rule has one. */
  readonly match?: string;
  readonly select: Selector;
  /** Counted per session (`@session`) instead of per server. */
  readonly perSession: boolean;
  readonly action: FaultAction;
}

/** A rule that cannot be used: `column` (1-based) is where it goes wrong. */
export class FaultRuleError extends Error {
  constructor(readonly rule: string, readonly column: number, readonly reason: string) {
    super(`fault rule ${JSON.stringify(rule)}: column ${column}: ${reason}`);
    this.name = "FaultRuleError";
  }
}

const STAGES: readonly FaultStage[] = [
  "connect",
  "helo",
  "mail",
  "rcpt",
  "data",
  "dot",
  "bdat",
  "auth",
  "starttls",
  "rset",
  "quit",
  "other",
  "any",
];

/** A day: longer delays and windows are surely typos. */
const MAX_MS = 86_400_000;

/** Parses one rule; throws {@link FaultRuleError}. */
export function parseRule(rule: string): FaultRule {
  return new Parser(rule).rule();
}

class Parser {
  /** Index into `src` (0-based); columns are reported 1-based in the caller's text. */
  #at = 0;
  readonly #src: string;
  /** Leading white space dropped from the caller's text, so columns count from its start. */
  readonly #offset: number;

  constructor(readonly original: string) {
    const trimmed = original.trimStart();
    this.#offset = original.length - trimmed.length;
    this.#src = trimmed.trimEnd();
  }

  #fail(reason: string, at = this.#at): never {
    throw new FaultRuleError(this.original, this.#offset + at + 1, reason);
  }

  #spaces(): void {
    while (this.#at < this.#src.length && /\s/.test(this.#src[this.#at])) this.#at++;
  }

  #peek(s: string): boolean {
    return this.#src.startsWith(s, this.#at);
  }

  /** A run of characters matching `re` (one char at a time), from the cursor. */
  #take(re: RegExp): string {
    const start = this.#at;
    while (this.#at < this.#src.length && re.test(this.#src[this.#at])) this.#at++;
    return this.#src.slice(start, this.#at);
  }

  rule(): FaultRule {
    const src = this.#src;
    if (src === "") this.#fail("empty rule: want STAGE => ACTION");
    const arrow = src.indexOf("=>");
    const stageAt = this.#at;
    const word = this.#take(/[A-Za-z]/).toLowerCase();
    if (word === "") this.#fail("want a stage (connect, helo, mail, rcpt, data, dot, …)");
    const stage = STAGES.find((s) => s === word);
    if (stage === undefined) {
      this.#fail(`unknown stage "${word}": want one of ${STAGES.join(", ")}`, stageAt);
    }
    let match: string | undefined;
    const lhsEnd = arrow < 0 ? src.length : arrow;
    if (this.#peek(":")) {
      const colonAt = this.#at++;
      match = this.#take(/[^\s#%]/);
      if (this.#at > lhsEnd) {
        this.#at = lhsEnd;
        match = src.slice(colonAt + 1, lhsEnd).trimEnd();
      }
      // A trailing @session is the scope, not part of the glob.
      if (match.toLowerCase().endsWith("@session")) {
        match = match.slice(0, -"@session".length);
        this.#at = colonAt + 1 + match.length;
      }
      if (match === "") this.#fail("empty MATCH after ':'", colonAt + 1);
      if (stage === "dot") this.#fail("dot has no argument to MATCH", colonAt);
    }
    const select = this.#selector();
    let perSession = false;
    if (this.#peek("@")) {
      const at = this.#at;
      if (this.#take(/[@A-Za-z]/).toLowerCase() !== "@session") this.#fail("want @session", at);
      perSession = true;
    }
    this.#spaces();
    if (!this.#peek("=>")) {
      this.#fail(arrow < 0 ? 'missing "=>" before the action' : 'unexpected text before "=>"');
    }
    this.#at += 2;
    this.#spaces();
    const action = this.#action(stage);
    return { text: src, stage, ...(match !== undefined && { match }), select, perSession, action };
  }

  #number(what: string, min: number, max: number, fraction = false): number {
    const at = this.#at;
    const digits = this.#take(fraction ? /[0-9.]/ : /[0-9]/);
    if (digits === "") this.#fail(`want ${what}`, at);
    const n = Number(digits);
    if (!Number.isFinite(n) || n < min || n > max) {
      this.#fail(`${what} must be from ${min} to ${max}, got ${digits}`, at);
    }
    return n;
  }

  #selector(): Selector {
    if (this.#peek("#")) {
      this.#at++;
      const from = this.#number("N (the first matching event is #1)", 1, Number.MAX_SAFE_INTEGER);
      if (this.#peek("+")) {
        this.#at++;
        return { kind: "nth", from, to: Infinity };
      }
      if (this.#peek("-")) {
        this.#at++;
        const at = this.#at;
        const to = this.#number("M", 1, Number.MAX_SAFE_INTEGER);
        if (to < from) this.#fail(`range #${from}-${to} is empty`, at);
        return { kind: "nth", from, to };
      }
      return { kind: "nth", from, to: from };
    }
    if (this.#peek("%")) {
      this.#at++;
      const at = this.#at;
      const percent = this.#number("P percent", 0, 100, true);
      if (percent === 0) this.#fail("%0 never fires", at);
      return { kind: "percent", percent };
    }
    return { kind: "every" };
  }

  #action(stage: FaultStage): FaultAction {
    const at = this.#at;
    if (/[0-9]/.test(this.#src[at] ?? "")) return this.#reply();
    const word = this.#take(/[A-Za-z]/).toLowerCase();
    let action: FaultAction;
    switch (word) {
      case "drop":
      case "hang":
        action = { kind: word };
        break;
      case "delay": {
        this.#spaces();
        const ms = this.#number("MS (milliseconds)", 0, MAX_MS);
        this.#spaces();
        if (this.#at < this.#src.length) {
          const thenAt = this.#at;
          if (this.#take(/[A-Za-z]/).toLowerCase() !== "then") {
            this.#fail('want "then ACTION" or the end', thenAt);
          }
          this.#spaces();
          if (this.#at >= this.#src.length) this.#fail("want an ACTION after then");
          return { kind: "delay", ms, then: this.#action(stage) };
        }
        return { kind: "delay", ms };
      }
      case "tarpit":
        this.#spaces();
        action = { kind: "tarpit", bytesPerSecond: this.#number("BYTES_PER_S", 1, 1e9) };
        break;
      case "greylist":
        this.#spaces();
        action = { kind: "greylist", seconds: this.#number("SECONDS", 1, MAX_MS / 1000) };
        break;
      case "":
        this.#fail("want an action: CODE [ENHANCED] [TEXT], drop, delay, tarpit, hang or greylist");
        break;
      default:
        this.#fail(`unknown action "${word}"`, at);
    }
    this.#spaces();
    if (this.#at < this.#src.length) this.#fail(`unexpected text after ${word}`);
    return action;
  }

  /** `CODE [ENHANCED] [TEXT]`: a failure (4xx or 5xx); the enhanced code of the same class. */
  #reply(): FaultAction {
    const at = this.#at;
    const code = this.#take(/[0-9]/);
    if (code.length !== 3) this.#fail(`reply code must be 3 digits, got "${code}"`, at);
    if (code[0] !== "4" && code[0] !== "5") {
      this.#fail(
        `reply code ${code} is not a failure: a rule answers 4xx or 5xx instead of the server`,
        at,
      );
    }
    if (code[1] > "5") this.#fail(`reply code ${code}: the second digit must be 0 to 5`, at + 1);
    if (this.#at < this.#src.length && !/\s/.test(this.#src[this.#at])) {
      this.#fail("want a space after the reply code");
    }
    this.#spaces();
    let enhanced: string | undefined;
    const enhancedAt = this.#at;
    const maybe = /^(\d+)\.(\d+)\.(\d+)(?=\s|$)/.exec(this.#src.slice(this.#at));
    if (maybe) {
      if (!/^[245]\.\d{1,3}\.\d{1,3}$/.test(maybe[0])) {
        this.#fail(`bad enhanced code ${maybe[0]}`, enhancedAt);
      }
      if (maybe[1] !== code[0]) {
        this.#fail(`enhanced code ${maybe[0]} does not match reply code ${code}`, enhancedAt);
      }
      enhanced = maybe[0];
      this.#at += maybe[0].length;
      this.#spaces();
    }
    const text = this.#src.slice(this.#at);
    return {
      kind: "reply",
      code: Number(code),
      ...(enhanced !== undefined && { enhanced }),
      ...(text !== "" && { text }),
    };
  }
}
