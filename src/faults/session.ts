/**
 * The interceptor fault rules put on each session, apart from the rules themselves: a server
 * whose rules are not loaded yet (serve without `--fault`, whose rules come from the HTTP API
 * later) attaches it before listening without loading the rule grammar.
 */
import type { Interceptor } from "../smtp/conversation.ts";
import type { Clock } from "../smtp/clock.ts";
import type { FaultConventions } from "./conventions.ts";
import type { FaultRules } from "./rules.ts";

/** What the rules keep per session: `@session` counts and the sender greylisting keys on. */
export interface FaultSessionState {
  /** Made when a `@session` rule first counts: most sessions never need one. */
  counts: Map<string, number> | null;
  sender: string;
}

/** The rules as the interceptor asks them: whether any exists, and what they do. */
export type FaultDecider = Pick<FaultRules, "active" | "decide">;

/**
 * One session's interceptor; `rules()` gives the rules at each event (`null` while they are
 * not loaded: no rule can exist before they are).
 */
export function faultInterceptor(
  rules: () => FaultDecider | null,
  clock: Clock,
  conventions: FaultConventions,
): Interceptor {
  const state: FaultSessionState = { counts: null, sender: "" };
  return {
    before: (stage, argument, session) => {
      if (stage === "mail") state.sender = argument;
      const decider = rules();
      if (decider === null || !decider.active) return undefined;
      return decider.decide(stage, argument, session, state, clock.now(), conventions);
    },
  };
}
