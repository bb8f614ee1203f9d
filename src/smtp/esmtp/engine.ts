/**
 * The `serve` dialect's entry point: a modern ESMTP server (RFC 5321 with PIPELINING, SIZE,
 * 8BITMIME, SMTPUTF8, ENHANCEDSTATUSCODES, CHUNKING/BINARYMIME, DSN, STARTTLS and AUTH) whose
 * every I/O goes through the conversation seam. The embedder (the serve persona, the library)
 * gives limits and policies ({@link EsmtpConfig}) and storage and credentials ({@link EsmtpHooks}).
 * What it answers, byte for byte, and why its policies default as they do: docs/esmtp.md.
 */
import type { SessionEngine } from "../session.ts";
import {
  type EsmtpConfig,
  type EsmtpHooks,
  type EsmtpSessionEnd,
  resolveEsmtpConfig,
} from "./config.ts";
import { EsmtpSession } from "./session.ts";

export type { EsmtpConfig, EsmtpHooks } from "./config.ts";

/**
 * A session engine speaking modern ESMTP.
 *
 * @example An engine that keeps every message in memory
 * ```ts
 * import { esmtpEngine } from "./engine.ts";
 * import type { ReceivedMessage } from "../message.ts";
 * const kept: ReceivedMessage[] = [];
 * const engine = esmtpEngine({ maxRecipients: 10 }, {
 *   deliver: (m) => (kept.push(m), Promise.resolve({ ok: true })),
 *   now: () => new Date(),
 * });
 * console.assert(typeof engine === "function");
 * ```
 */
export function esmtpEngine(config: Partial<EsmtpConfig>, hooks: EsmtpHooks): SessionEngine {
  const resolved = resolveEsmtpConfig(config);
  // A reaction made once, not an async function per session; and none at all (a promise and
  // a turn per connection) for an embedder that does not ask how sessions end. The server
  // only awaits the session, so its end may resolve it.
  const ended = (end: EsmtpSessionEnd): void => hooks.ended?.(end);
  return (ctx) => {
    const run = new EsmtpSession(ctx, resolved, hooks).run();
    return hooks.ended ? run.then(ended) : run as Promise<unknown> as Promise<void>;
  };
}
