/**
 * Client lint: a {@link Linter} attaches an observer to every session's conversation and
 * reports what the sender under test did wrong, as {@link Finding}s. Session findings
 * (protocol, command line endings) accumulate as the session goes; a message's findings are
 * the session's so far plus its own (line endings, 8-bit, format, MIME), read from the
 * message record with {@link Linter.findings}.
 *
 * Imports only `src/smtp/` (design: lint is an observer on the seam).
 */
import type { Conversation, Interceptor, Observer } from "../smtp/conversation.ts";
import type { ReceivedMessage } from "../smtp/message.ts";
import type { Finding, FindingId, Severity } from "./finding.ts";
import { type LintCounts, type SessionEvents, SessionLint } from "./session.ts";
import { messageFindings } from "./message.ts";
import { DEFAULT_MAX_SCAN } from "./limits.ts";
import { severityOf } from "./catalogue.ts";

export type { Finding, FindingId, Severity } from "./finding.ts";
export type { LintCounts } from "./session.ts";

/** What a {@link Linter} is told to do besides collecting. */
export interface LinterOptions {
  /** Called once per session when it ends (log {@link SessionSummary.line}). */
  onSessionEnd?(summary: SessionSummary): void;
  /** Bytes of a message the content checks read at most (default 4 MiB, docs/lint.md). */
  maxScan?: number;
}

/** What lint says of a session when it ends. */
export interface SessionSummary {
  readonly sessionId: number;
  /** `lint: session 3: 2 errors (bare-lf, missing-date), 1 warning (no-quit)`, or `…: clean`. */
  readonly line: string;
  /** Every finding of the session, its messages' own included, counted by id. */
  readonly counts: LintCounts;
  /** The session's own findings (protocol, command line endings), messages' not included. */
  readonly findings: readonly Finding[];
}

/** Every linter's totals, for a process-wide summary ({@link lintTotals}). */
const processTotals: Map<FindingId, number> = new Map();

/**
 * Lints every session it is attached to. One per server; `attach` from the dialect's hook.
 *
 * @example Findings of a message, in a sink
 * ```ts
 * import { Linter } from "./linter.ts";
 * const linter = new Linter({ onSessionEnd: (s) => console.log(s.line) });
 * // hooks: { attach: (c) => linter.attach(c), deliver: (m) => { linter.findings(m); … } }
 * console.assert(linter.findings({ from: "", to: [], data: new Uint8Array(), helo: "",
 *   remoteAddress: { hostname: "", port: 0 }, localAddress: { hostname: "", port: 0 },
 *   receivedAt: new Date(0) }).some((f) => f.id === "missing-from"));
 * ```
 */
export class Linter {
  readonly #sessions = new Map<number, SessionLint>();
  /** A message's findings, by the bytes the dialect read (the record's `data`). */
  readonly #byData = new WeakMap<Uint8Array, readonly Finding[]>();
  readonly #byRecord = new WeakMap<object, readonly Finding[]>();
  readonly #totals = new Map<FindingId, number>();
  readonly #options: LinterOptions;
  readonly #maxScan: number;

  /** What every session tells this linter: one object for all of them. */
  readonly #events: SessionEvents = {
    message: (data, findings) => this.#byData.set(data, findings),
    close: (s) => this.#closed(s),
  };

  constructor(options: LinterOptions = {}) {
    this.#options = options;
    this.#maxScan = options.maxScan ?? DEFAULT_MAX_SCAN;
  }

  /** Starts linting a session: call before its greeting (the dialect's `attach` hook). */
  attach(conv: Conversation): void {
    conv.observe(this.observer(conv.info.id));
  }

  /**
   * The observer that lints session `sessionId`, registered under that id; for an observer
   * that hands a session's events on (src/lint/pending.ts). {@link attach} uses it.
   */
  observer(sessionId: number): Observer {
    const session = new SessionLint(sessionId, this.#maxScan, this.#events);
    this.#sessions.set(sessionId, session);
    return session;
  }

  /**
   * The findings of a message: its session's findings up to its end of data, then its own.
   * For a record made by a session this linter watched; any other record gets its own
   * findings only (what its bytes and envelope show).
   */
  findings(message: Pick<ReceivedMessage, "data"> & Partial<ReceivedMessage>): Finding[] {
    const known = this.#byData.get(message.data) ?? this.#byRecord.get(message);
    if (known) return known.slice();
    const session = message.sessionId === undefined
      ? undefined
      : this.#sessions.get(message.sessionId);
    const found = session
      ? session.findingsOf(message)
      : messageFindings(message, { maxScan: this.#maxScan });
    this.#byRecord.set(message, found);
    return found.slice();
  }

  /** The findings of a live session's current message (for a `dot` interceptor). */
  current(sessionId: number): Finding[] {
    return this.#sessions.get(sessionId)?.current() ?? [];
  }

  /** Findings of a live session so far, its messages' own included, counted by id. */
  sessionCounts(sessionId: number): LintCounts {
    return this.#sessions.get(sessionId)?.counts() ?? {};
  }

  /** Every finding of every ended session, counted by id. */
  totals(): LintCounts {
    return Object.fromEntries(this.#totals);
  }

  #closed(s: SessionLint): void {
    this.#sessions.delete(s.id);
    const counted = s.counted;
    const onSessionEnd = this.#options.onSessionEnd;
    // A clean session (nearly all): nothing to add up, and its summary says so.
    if (counted === null) {
      onSessionEnd?.({
        sessionId: s.id,
        line: sessionLine(s.id, "clean"),
        counts: {},
        findings: [],
      });
      return;
    }
    for (const key in counted) {
      const id = key as FindingId;
      const n = counted[id]!;
      this.#totals.set(id, (this.#totals.get(id) ?? 0) + n);
      processTotals.set(id, (processTotals.get(id) ?? 0) + n);
    }
    if (!onSessionEnd) return;
    const counts = s.counts();
    onSessionEnd({
      sessionId: s.id,
      line: summaryLine(s.id, counts),
      counts,
      findings: [...s.sessionFindings],
    });
  }
}

/** Findings of every linter in this process, of ended sessions, counted by id. */
export function lintTotals(): LintCounts {
  return Object.fromEntries(processTotals);
}

const SEVERITIES: readonly Severity[] = ["error", "warning", "info"];

/** A session's summary line with its counts already as text. */
function sessionLine(sessionId: number, countsText: string): string {
  return `lint: session ${sessionId}: ${countsText}`;
}

/**
 * `lint: session 3: 2 errors (bare-lf, missing-date), 1 warning (no-quit)`; `clean` when
 * there is nothing.
 */
export function summaryLine(sessionId: number, counts: LintCounts): string {
  return sessionLine(sessionId, countsText(counts));
}

/**
 * Counts as text, by severity: `2 errors (bare-lf ×2), 1 warning (no-quit)`, `clean`
 * when empty (for the session line and a process total).
 */
export function countsText(counts: LintCounts): string {
  // Once per session (its summary line): no arrays per severity, nor of the entries.
  let text = "";
  for (let s = 0; s < SEVERITIES.length; s++) {
    const severity = SEVERITIES[s];
    let n = 0;
    let names = "";
    for (const key in counts) {
      if (!Object.hasOwn(counts, key)) continue; // own entries only, as Object.entries
      const id = key as FindingId;
      const k = counts[id]!;
      if (severityOf(id) !== severity) continue;
      n += k;
      names += `${names ? ", " : ""}${k > 1 ? `${id} ×${k}` : id}`;
    }
    if (names) text += `${text ? ", " : ""}${n} ${severity}${n === 1 ? "" : "s"} (${names})`;
  }
  return text || "clean";
}

/**
 * `--strict`: refuses a message that has an `error` finding, at its end of data, with
 * `550 5.6.0 Message rejected by lint: bare-lf (RFC 5321 §2.3.8)` (the first error).
 * Attach after the linter: `conv.intercept(strictInterceptor(linter))`.
 */
export function strictInterceptor(linter: Linter): Interceptor {
  return {
    before(stage, _argument, session) {
      if (stage !== "dot") return undefined;
      const error = linter.current(session.id).find((f) => f.severity === "error");
      if (!error) return undefined;
      return {
        reply: {
          code: 550,
          enhanced: "5.6.0",
          lines: [`Message rejected by lint: ${error.id} (${error.rfc})`],
        },
      };
    },
  };
}

/** `lint: total: 3 errors (bare-lf ×2, missing-date)`: what `serve` prints on exit. */
export function totalsLine(counts: LintCounts = lintTotals()): string {
  return `lint: total: ${countsText(counts)}`;
}
