/**
 * The checks that run before any verb is looked at (smtp-server's `_onCommand` in spirit):
 * an HTTP request sent to the SMTP port, and the budget of refused commands a session may
 * spend before it is cut off (an unknown-command storm, a client stuck in a loop).
 *
 * TODO(pre-greeting): a client that talks before the greeting (an "early talker", RFC 5321
 * §4.3.1 and Postfix's postscreen pregreet test) cannot be told from reading order alone: the
 * dialect reads nothing before it has written the greeting, and bytes that came earlier then
 * look like a pipelined command. Refuse them here once the seam tells whether input arrived
 * before the greeting was written.
 */

/** HTTP request methods (RFC 9110 §9) followed by a space: never the start of an SMTP command. */
const HTTP_REQUEST = /^(?:GET|HEAD|POST|PUT|DELETE|CONNECT|OPTIONS|TRACE|PATCH) /;

/** True when `line` is the request line of an HTTP client talking to the SMTP port. */
export function isHttpRequest(line: string): boolean {
  return HTTP_REQUEST.test(line);
}

/** Counts refused commands; a budget of 0 never runs out. */
export class ErrorBudget {
  #spent = 0;

  constructor(private readonly max: number) {}

  /** Counts one refusal: true when it is one too many (the session must end). */
  exceeded(): boolean {
    this.#spent++;
    return this.max > 0 && this.#spent > this.max;
  }
}
