/**
 * The reply-carrying error (go-smtp's `SMTPError`): a backend or a sink throws it to have the
 * session answer with exactly this reply instead of the dialect's own failure text.
 */
import type { Reply } from "./reply.ts";

export class SmtpError extends Error implements Reply {
  readonly lines: readonly string[];

  /**
   * @example Refusing a message from a sink
   * ```ts
   * import { SmtpError } from "./error.ts";
   * const e = new SmtpError(552, "Mailbox full", "5.2.2");
   * console.assert(e.code === 552 && e.lines[0] === "Mailbox full");
   * ```
   */
  constructor(
    readonly code: number,
    message: string | readonly string[],
    readonly enhanced?: string,
  ) {
    const lines = typeof message === "string" ? [message] : [...message];
    super(lines.join("\n"));
    this.name = "SmtpError";
    this.lines = lines;
  }

  /** 4xx: the client may try again later. */
  get temporary(): boolean {
    return this.code >= 400 && this.code < 500;
  }
}
