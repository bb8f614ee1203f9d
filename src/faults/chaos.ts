/**
 * Mailpit's "chaos" (its API's `/api/v1/chaos` and its `--enable-chaos` / `--chaos-triggers`
 * flags) mapped onto fault rules: each trigger is a `%P` rule at its stage (Sender → `mail`,
 * Recipient → `rcpt`, Authentication → `auth`), kept in the rules' `chaos` group so that
 * setting the triggers replaces them without touching other rules.
 */
import type { FaultRules } from "./rules.ts";

/** One of Mailpit's triggers: an SMTP error code (400–599) and a chance in percent (0–100). */
export interface ChaosTrigger {
  ErrorCode: number;
  Probability: number;
}

/** Mailpit's chaos triggers, by name. */
export interface ChaosTriggers {
  Authentication: ChaosTrigger;
  Recipient: ChaosTrigger;
  Sender: ChaosTrigger;
}

/** The trigger names and the stage each one fails. */
const STAGE_OF = { Authentication: "auth", Recipient: "rcpt", Sender: "mail" } as const;
type TriggerName = keyof typeof STAGE_OF;
const NAMES = Object.keys(STAGE_OF) as TriggerName[];

/** Mailpit's default: every trigger off, answering 451 once turned on. */
const OFF: ChaosTrigger = { ErrorCode: 451, Probability: 0 };

/** The group of {@link FaultRules} that holds the chaos rules. */
export const CHAOS_GROUP = "chaos";

/** Triggers as last set on each rules object (the rules alone do not keep the 0 % ones). */
const current = new WeakMap<FaultRules, ChaosTriggers>();

/** A trigger as given, or why it cannot be used. */
function checkTrigger(name: string, t: unknown): ChaosTrigger | string {
  if (typeof t !== "object" || t === null) {
    return `${name}: want {"ErrorCode": N, "Probability": P}`;
  }
  const { ErrorCode: code, Probability: p } = t as Record<string, unknown>;
  // Fault rules answer failures only, with a second digit of 0 to 5 (RFC 5321 §4.2.1).
  if (
    !Number.isInteger(code) || (code as number) < 400 || (code as number) > 599 ||
    Math.floor((code as number) / 10) % 10 > 5
  ) {
    return `${name}: ErrorCode must be an SMTP failure code from 400 to 559, got ${
      JSON.stringify(code)
    }`;
  }
  if (typeof p !== "number" || !(p >= 0 && p <= 100)) {
    return `${name}: Probability must be from 0 to 100, got ${JSON.stringify(p)}`;
  }
  return { ErrorCode: code as number, Probability: p };
}

/** The triggers in force (all off until set). */
export function getChaos(faults: FaultRules): ChaosTriggers {
  return current.get(faults) ?? allOff();
}

function allOff(): ChaosTriggers {
  return { Authentication: { ...OFF }, Recipient: { ...OFF }, Sender: { ...OFF } };
}

/**
 * Sets every trigger as Mailpit's `PUT /api/v1/chaos` does: an omitted one is reset to 0 %.
 * Returns the triggers now in force, or an error message (nothing changed then).
 */
export function setChaos(faults: FaultRules, body: unknown): ChaosTriggers | string {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return "want a JSON object with Sender, Recipient and/or Authentication";
  }
  const given = body as Record<string, unknown>;
  const next = allOff();
  for (const name of NAMES) {
    if (given[name] === undefined) continue;
    const t = checkTrigger(name, given[name]);
    if (typeof t === "string") return t;
    next[name] = t;
  }
  faults.clear(CHAOS_GROUP);
  for (const name of NAMES) {
    const { ErrorCode, Probability } = next[name];
    if (Probability > 0) {
      faults.add(`${STAGE_OF[name]}%${Probability} => ${ErrorCode}`, CHAOS_GROUP);
    }
  }
  current.set(faults, next);
  return next;
}

/**
 * Mailpit's `--chaos-triggers` value (`Sender:451:50,Recipient:452:10`: name, error code,
 * probability; names case-insensitive) as a `PUT /api/v1/chaos` body, or an error message.
 */
export function parseChaosTriggers(text: string): Partial<ChaosTriggers> | string {
  const out: Partial<ChaosTriggers> = {};
  for (const part of text.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    const m = /^([A-Za-z]+):(\d+):(\d+(?:\.\d+)?)$/.exec(part);
    const name = m && NAMES.find((n) => n.toLowerCase() === m[1].toLowerCase());
    if (!m || !name) {
      return `chaos trigger "${part}": want NAME:CODE:PROBABILITY, NAME one of ${NAMES.join(", ")}`;
    }
    const t = checkTrigger(name, { ErrorCode: Number(m[2]), Probability: Number(m[3]) });
    if (typeof t === "string") return `chaos trigger "${part}": ${t}`;
    out[name] = t;
  }
  return out;
}

/** The fault rules `--chaos-triggers TEXT` stands for (throws with the message of a bad one). */
export function chaosRules(text: string): string[] {
  const triggers = parseChaosTriggers(text);
  if (typeof triggers === "string") throw new Error(triggers);
  return NAMES.filter((n) => (triggers[n]?.Probability ?? 0) > 0)
    .map((n) => `${STAGE_OF[n]}%${triggers[n]!.Probability} => ${triggers[n]!.ErrorCode}`);
}

/**
 * `--enable-chaos --chaos-triggers TEXT` on a server's rules: the triggers set as by
 * `PUT /api/v1/chaos` (so `GET` shows them). Throws with the message of a bad trigger.
 */
export function applyChaosTriggers(faults: FaultRules, text: string): ChaosTriggers {
  const triggers = parseChaosTriggers(text);
  if (typeof triggers === "string") throw new Error(triggers);
  const set = setChaos(faults, triggers);
  if (typeof set === "string") throw new Error(set);
  return set;
}
