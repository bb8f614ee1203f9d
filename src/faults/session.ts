/**
 * The interceptor fault rules put on each session, apart from the rules themselves, and
 * {@link LateFaults}, which attaches it only once a rule exists: serve without `--fault`
 * listens without loading the rule grammar, and its sessions pay nothing per command until
 * a rule comes (from the HTTP API, later).
 */
import {
  commandStage,
  type Conversation,
  type Interceptor,
  type Observer,
} from "../smtp/conversation.ts";
import { type Linked, LinkedList } from "../smtp/linked_list.ts";
import type { Clock } from "../smtp/clock.ts";
import { latin1, latin1Bytes } from "../smtp/latin1.ts";
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
 * not loaded: no rule can exist before they are). `state` is the session's (new by default).
 */
export function faultInterceptor(
  rules: () => FaultDecider | null,
  clock: Clock,
  conventions: FaultConventions,
  state: FaultSessionState = { counts: null, sender: "" },
): Interceptor {
  return {
    before: (stage, argument, session) => {
      if (stage === "mail") state.sender = argument;
      const decider = rules();
      if (decider === null || !decider.active) return undefined;
      return decider.decide(stage, argument, session, state, clock.now(), conventions);
    },
  };
}

const SPACE = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20]);
const MAIL = [0x4d, 0x41, 0x49, 0x4c];

// What mailLine tells of a command line: not a MAIL command as the seam classifies them; one
// for sure (`MAIL` in any case after ASCII white space); or not ASCII where it matters (other
// white space; `ı` upper-cases to `I`), for the seam to judge.
const NOT_MAIL = 0;
const MAIL_SURE = 1;
const MAIL_ASK = 2;

/** Whether `line` is a MAIL command for {@link commandStage}, read off the bytes. */
function mailLine(line: Uint8Array): number {
  let i = 0;
  while (i < line.length && SPACE.has(line[i])) i++;
  for (let k = 0; k < 4; k++) {
    const b = line[i + k];
    if (b >= 0x80) return MAIL_ASK;
    if ((b & 0xdf) !== MAIL[k]) return NOT_MAIL;
  }
  return MAIL_SURE;
}

/**
 * A session waiting for the first rule: notes its sender, and is a link in the list of
 * waiting sessions (no per-session set entry to add and delete, no closures).
 */
class Waiting implements Observer, Linked<Waiting> {
  /** Made when a rule comes, or when a MAIL line must be judged now (not ASCII). */
  #state: FaultSessionState | null = null;
  /**
   * The last sure MAIL line, one char per byte (a string costs less to make than a copy of
   * the bytes), whose sender is read only if a rule comes; `null`: none since.
   */
  #mail: string | null = null;
  prev: Waiting | null = null;
  next: Waiting | null = null;
  linked = false;

  constructor(readonly conv: Conversation, readonly list: LinkedList<Waiting>) {}

  /** The session's state for its interceptor: it notes the sender from now on. */
  stateNow(): FaultSessionState {
    const state = this.#state ??= { counts: null, sender: "" };
    const mail = this.#mail;
    if (mail !== null) {
      state.sender = commandStage(latin1Bytes(mail)).argument;
    }
    this.#mail = null;
    return state;
  }

  command(line: Uint8Array): void {
    if (!this.linked) return; // intercepted: the interceptor notes it
    const mail = mailLine(line);
    if (mail === NOT_MAIL) return;
    if (mail === MAIL_SURE) {
      this.#mail = latin1(line);
      return;
    }
    const { stage, argument } = commandStage(line);
    if (stage !== "mail") return;
    (this.#state ??= { counts: null, sender: "" }).sender = argument;
    this.#mail = null;
  }

  close(): void {
    this.list.remove(this);
  }
}

/**
 * Fault rules attached as late as they can be. While no rule exists a session gets only an
 * observer that notes its sender (the one thing rules use from before they existed, for
 * greylisting), so its commands are not classified by stage and its replies go straight to
 * the wire. The first rule intercepts every live session, and sessions opening from then on
 * from their start.
 */
export class LateFaults {
  #rules: FaultRules | null = null;
  /** The sessions waiting for the first rule, in the order they opened. */
  readonly #waiting = new LinkedList<Waiting>();

  constructor(private readonly conventions: FaultConventions) {}

  /** A session opening (before its greeting). */
  attach(conv: Conversation): void {
    if (this.#rules?.active) return this.#intercept(conv, { counts: null, sender: "" });
    const waiting = new Waiting(conv, this.#waiting);
    this.#waiting.push(waiting);
    conv.observe(waiting);
  }

  /** The rules (loaded, or given): from their first rule on, sessions are intercepted. */
  arrived(rules: FaultRules): void {
    this.#rules = rules;
    rules.onAdded(() => this.#activate());
    this.#activate();
  }

  #activate(): void {
    if (!this.#rules?.active) return;
    for (const w of this.#waiting.takeAll()) this.#intercept(w.conv, w.stateNow());
  }

  #intercept(conv: Conversation, state: FaultSessionState): void {
    conv.intercept(faultInterceptor(() => this.#rules, conv.ctx.clock, this.conventions, state));
  }
}
