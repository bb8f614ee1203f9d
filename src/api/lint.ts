/**
 * Client lint for the clones' library servers (`lint: true`, the CLIs' `--lint`/`-lint`):
 * each session ends with a `lint: session N: …` line, and each accepted message's record gets
 * `lint`, its findings. Off by default; the lint modules are loaded only when it is on, so a
 * clone started without it does not pay for them.
 */
import type { Conversation } from "../smtp/conversation.ts";
import type { ReceivedMessage, Sink } from "../smtp/message.ts";
import type { LogFn } from "../smtp/session.ts";
import type { Finding } from "../lint/finding.ts";
import type { Linter, SessionSummary } from "../lint/linter.ts";

/** The `lint` option: `true`, or where each session's summary goes instead of the log. */
export type LintOption = boolean | {
  /** Told each session's summary when it ends (default: the server's log, level `info`). */
  onSessionEnd?(summary: SessionSummary): void;
};

/** A record with the findings lint made of it (present when lint is on). */
export interface LintField {
  /** Client lint findings of the message: its session's so far, then its own (docs/lint.md). */
  lint?: Finding[];
}

/** What a clone's server wires in when lint is on. */
export interface CloneLint {
  readonly linter: Linter;
  /** The `attach` hook that lints a session. */
  attach(c: Conversation): void;
  /** Sets the record's `lint` (by its bytes, the dialect's record) and returns it. */
  tag<T extends Pick<ReceivedMessage, "data">>(record: T): T & LintField;
  /** `sink` with every message tagged before it gets it. */
  sink(sink: Sink): Sink;
}

/** The lint wiring for `option`, or `undefined` when lint is off. */
export async function cloneLint(
  option: LintOption | undefined,
  log: LogFn,
): Promise<CloneLint | undefined> {
  if (!option) return undefined;
  const { Linter } = await import("../lint/linter.ts");
  const onSessionEnd = typeof option === "object" && option.onSessionEnd
    ? option.onSessionEnd
    : (s: SessionSummary) => log("info", s.line);
  const linter = new Linter({ onSessionEnd });
  const tag = <T extends Pick<ReceivedMessage, "data">>(record: T): T & LintField =>
    Object.assign(record, { lint: linter.findings(record) });
  return {
    linter,
    attach: (c) => linter.attach(c),
    tag,
    sink: (sink) => ({ deliver: (m) => sink.deliver(tag(m)) }),
  };
}
