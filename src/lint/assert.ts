/** `assertNoLint`: a test assertion over a record's lint findings. */
import type { Finding, FindingId } from "./finding.ts";

/** A record with lint findings: a library record's `lint`, or the findings themselves. */
export type Linted = { readonly lint?: readonly Finding[] } | readonly Finding[];

/** What {@link assertNoLint} lets pass. */
export interface AssertNoLintOptions {
  /** Ids that may be present. */
  readonly allow?: readonly FindingId[];
  /** Also fail on warnings (and infos): by default only `error` findings fail. */
  readonly strict?: boolean;
}

/** Thrown by {@link assertNoLint}; `findings` are the ones that failed it. */
export class LintAssertionError extends Error {
  constructor(readonly findings: readonly Finding[]) {
    super(
      `${findings.length} lint finding${findings.length === 1 ? "" : "s"}:\n` +
        findings.map((f) =>
          `  ${f.severity} ${f.id} (${f.rfc}): ${f.evidence}\n    advice: ${f.advice}`
        ).join("\n"),
    );
    this.name = "LintAssertionError";
  }
}

/**
 * Throws a {@link LintAssertionError} listing the findings of `record` that are `error`s (all
 * of them with `strict`) and not in `allow`. A record without a `lint` field (lint off)
 * throws too: the assertion would otherwise pass without checking anything.
 *
 * @example
 * ```ts
 * import { assertNoLint } from "./assert.ts";
 * assertNoLint({ lint: [] });
 * assertNoLint({
 *   lint: [{ id: "no-quit", severity: "warning", rfc: "RFC 5321 §4.1.1.10", evidence: "", advice: "" }],
 * });
 * ```
 */
export function assertNoLint(record: Linted, options: AssertNoLintOptions = {}): void {
  const findings = Array.isArray(record) ? record : (record as { lint?: readonly Finding[] }).lint;
  if (!findings) {
    throw new Error("assertNoLint: the record has no lint findings (is lint turned on?)");
  }
  const allow = new Set(options.allow ?? []);
  const failed = findings.filter((f) =>
    !allow.has(f.id) && (options.strict || f.severity === "error")
  );
  if (failed.length) throw new LintAssertionError(failed);
}
