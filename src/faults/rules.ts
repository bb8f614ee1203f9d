/**
 * A server's fault rules: added and removed while it runs, counted per server or per session,
 * and attached to each session's conversation as an interceptor. The first rule that fires at
 * a stage acts; every rule whose stage and MATCH fit counts the event, so `rcpt#1` and
 * `rcpt#2` rules see the same numbering.
 */
import type { Conversation, Intervention, SessionInfo, Stage } from "../smtp/conversation.ts";
import type { Reply } from "../smtp/reply.ts";
import { type FaultAction, type FaultRule, FaultRuleError, parseRule } from "./grammar.ts";
import { type FaultConventions, PLAIN_CONVENTIONS } from "./conventions.ts";
import { faultInterceptor, type FaultSessionState } from "./session.ts";

export { FaultRuleError };
export type { FaultConventions };

/** A rule as listed: its id, text and how often it fired. */
export interface FaultRuleInfo {
  readonly id: string;
  readonly rule: string;
  readonly hits: number;
}

/** What {@link FaultRules.add} returns: the rule's id, and a way to take it out again. */
export interface FaultHandle {
  readonly id: string;
  readonly rule: string;
  /** How often it fired so far. */
  readonly hits: number;
  /** Takes the rule out (safe twice); sessions under way stop seeing it at once. */
  remove(): void;
}

/** Options of {@link FaultRules}. */
export interface FaultRulesOptions {
  /** Seed of the generator behind `%P` (default: random, see {@link FaultRules.seed}). */
  seed?: number;
  /** Rules to start with (each parsed; a bad one throws {@link FaultRuleError}). */
  rules?: readonly string[];
}

/** Most greylist triplets remembered; the oldest is forgotten first. */
const MAX_GREYLIST = 10_000;

interface LiveRule {
  readonly id: string;
  readonly parsed: FaultRule;
  readonly glob: RegExp | null;
  /** Events counted per server. */
  count: number;
  hits: number;
  /** Which group added it (`chaos` rules are replaced as a whole). */
  readonly group: string;
}

/** `*` any run, `?` one character; everything else literal; case-insensitive, whole text. */
export function globRegExp(glob: string): RegExp {
  let re = "";
  for (const c of glob) {
    if (c === "*") re += "[^]*";
    else if (c === "?") re += "[^]";
    else re += c.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "i");
}

/**
 * A small seeded generator (mulberry32): the same seed gives the same draws, so `%P` rules
 * fire at the same events on every run with `--fault-seed`.
 */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The fault rules of one server.
 *
 * @example Refuse the second recipient of every session, then take the rule out
 * ```ts
 * import { FaultRules } from "./rules.ts";
 * const faults = new FaultRules({ seed: 1 });
 * const handle = faults.add("rcpt#2@session => 452 4.5.3 Too many recipients");
 * console.assert(faults.list()[0].rule === handle.rule);
 * handle.remove();
 * console.assert(faults.list().length === 0);
 * ```
 */
export class FaultRules {
  /** The seed of the `%P` generator (given, or drawn at construction). */
  readonly seed: number;
  #random: () => number;
  #rules: LiveRule[] = [];
  #nextId = 1;
  /** Told after each rule is added. */
  readonly #onAdded: Array<() => void> = [];
  /** Greylist triplet → when it was first seen (ms on the session's clock). */
  readonly #greylist = new Map<string, number>();

  constructor(options: FaultRulesOptions = {}) {
    this.seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
    this.#random = generator(this.seed);
    for (const rule of options.rules ?? []) this.add(rule);
  }

  /** Parses and adds a rule after the others; throws {@link FaultRuleError} for a bad one. */
  add(rule: string, group = "rule"): FaultHandle {
    const parsed = parseRule(rule);
    const live: LiveRule = {
      id: String(this.#nextId++),
      parsed,
      glob: parsed.match === undefined ? null : globRegExp(parsed.match),
      count: 0,
      hits: 0,
      group,
    };
    this.#rules = [...this.#rules, live];
    for (const listener of this.#onAdded) listener();
    const remove = () => this.remove(live.id);
    return {
      id: live.id,
      rule: parsed.text,
      get hits() {
        return live.hits;
      },
      remove,
    };
  }

  /** Calls `listener` after each rule added from now on. */
  onAdded(listener: () => void): void {
    this.#onAdded.push(listener);
  }

  /** Takes out the rule with this id; `false` when there is none. */
  remove(id: string): boolean {
    const before = this.#rules.length;
    this.#rules = this.#rules.filter((r) => r.id !== id);
    return this.#rules.length < before;
  }

  /** Takes out every rule (of `group` only, when given). */
  clear(group?: string): void {
    this.#rules = group === undefined ? [] : this.#rules.filter((r) => r.group !== group);
  }

  /** The rules in order, with their hit counts (of `group` only, when given). */
  list(group?: string): FaultRuleInfo[] {
    return this.#rules.filter((r) => group === undefined || r.group === group)
      .map((r) => ({ id: r.id, rule: r.parsed.text, hits: r.hits }));
  }

  /** Restarts the `%P` generator and every count (not the rules): a run can be repeated. */
  reset(): void {
    this.#random = generator(this.seed);
    this.#greylist.clear();
    for (const r of this.#rules) r.count = r.hits = 0;
  }

  /**
   * Intercepts `conv` (in a dialect's `attach` hook, before the greeting). `conventions`
   * words a reply given as a bare code the way the persona does.
   */
  attach(conv: Conversation, conventions: FaultConventions = PLAIN_CONVENTIONS): void {
    conv.intercept(faultInterceptor(() => this, conv.ctx.clock, conventions));
  }

  /** Whether any rule exists. */
  get active(): boolean {
    return this.#rules.length > 0;
  }

  /**
   * What the rules do at a session's event (the interceptor's question): every rule whose
   * stage and MATCH fit counts it, the first selected one acts.
   */
  decide(
    stage: Stage,
    argument: string,
    session: SessionInfo,
    state: FaultSessionState,
    now: number,
    conventions: FaultConventions,
  ): Intervention | undefined {
    let chosen: Intervention | undefined;
    for (const r of this.#rules) {
      const p = r.parsed;
      if (p.stage !== stage && p.stage !== "any") continue;
      if (r.glob && !r.glob.test(argument)) continue;
      let n: number;
      if (p.perSession) {
        const counts = state.counts ??= new Map();
        n = (counts.get(r.id) ?? 0) + 1;
        counts.set(r.id, n);
      } else n = ++r.count;
      const s = p.select;
      const selected = s.kind === "every" ||
        (s.kind === "nth" ? n >= s.from && n <= s.to : this.#random() * 100 < s.percent);
      if (!selected || chosen !== undefined) continue;
      const intervention = this.#intervention(
        p.action,
        r,
        stage,
        argument,
        session,
        state,
        now,
        conventions,
      );
      if (intervention === undefined) continue;
      r.hits++;
      chosen = intervention;
    }
    return chosen;
  }

  /** The seam's form of an action; `undefined` when a greylist lets the event through. */
  #intervention(
    action: FaultAction,
    r: LiveRule,
    stage: Stage,
    argument: string,
    session: SessionInfo,
    state: FaultSessionState,
    now: number,
    conventions: FaultConventions,
  ): Intervention | undefined {
    const rule = r.parsed.text;
    switch (action.kind) {
      case "reply": {
        const reply: Reply = {
          code: action.code,
          ...((action.enhanced ?? (action.text === undefined && conventions.enhanced))
            ? { enhanced: action.enhanced ?? defaultEnhanced(action.code, stage) }
            : {}),
          lines: [action.text ?? conventions.text(action.code, stage)],
        };
        // 421 closes the channel (RFC 5321 §3.8) whatever the stage.
        return { reply, rule, ...(action.code === 421 && { close: true }) };
      }
      case "drop":
        return { drop: true, rule };
      case "hang":
        return { hang: true, rule };
      case "tarpit":
        return { tarpit: action.bytesPerSecond, rule };
      case "delay": {
        if (action.then === undefined) return { delay: action.ms, rule };
        const then = this.#intervention(
          action.then,
          r,
          stage,
          argument,
          session,
          state,
          now,
          conventions,
        );
        return { delay: action.ms, ...(then !== undefined && { then }), rule };
      }
      case "greylist": {
        const recipient = stage === "rcpt" ? argument.toLowerCase() : "";
        const key =
          `${r.id}\0${session.remote.hostname}\0${state.sender.toLowerCase()}\0${recipient}`;
        const first = this.#greylist.get(key);
        if (first === undefined) {
          if (this.#greylist.size >= MAX_GREYLIST) {
            this.#greylist.delete(this.#greylist.keys().next().value!);
          }
          this.#greylist.set(key, now);
        }
        const left = action.seconds * 1000 - (now - (first ?? now));
        if (left <= 0) return undefined;
        const seconds = Math.ceil(left / 1000);
        const reply: Reply = {
          code: 451,
          ...(conventions.enhanced && { enhanced: "4.7.1" }),
          lines: [`Greylisted, try again in ${seconds} second${seconds === 1 ? "" : "s"}`],
        };
        return { reply, rule };
      }
    }
  }
}

/** An enhanced code for a bare reply code, by class and what the code means (RFC 3463). */
export function defaultEnhanced(code: number, stage: Stage): string {
  const cls = Math.floor(code / 100);
  switch (code) {
    case 421:
    case 454:
    case 530:
      return `${cls}.7.0`;
    case 450:
    case 550:
      return stage === "rcpt" ? `${cls}.1.1` : `${cls}.2.0`;
    case 451:
      return "4.3.0";
    case 452:
    case 552:
      return stage === "rcpt" ? `${cls}.5.3` : `${cls}.3.4`;
    case 500:
    case 502:
    case 503:
      return "5.5.1";
    case 501:
    case 504:
      return "5.5.4";
    case 535:
      return "5.7.8";
    case 553:
      return "5.1.3";
    case 554:
      return "5.0.0";
    default:
      return `${cls}.0.0`;
  }
}
