/**
 * The checks that run before any verb is looked at (smtp-server's `_onCommand` in spirit):
 * input that arrived before the greeting, an HTTP request sent to the SMTP port, and the
 * budget of refused commands a session may spend before it is cut off (an unknown-command
 * storm, a client stuck in a loop).
 *
 * An early talker cannot be told from reading order alone (bytes that came before the
 * greeting look like a pipelined command once it is written): the seam tells, through an
 * `early` observer that reads ahead from before the greeting.
 */
import type { Conversation } from "../conversation.ts";

/** Watches for input before the greeting; attach before the greeting is written. */
export class EarlyTalker {
  #seen = false;

  constructor(conv: Conversation) {
    conv.observe({ early: () => this.#seen = true });
  }

  /** Input had arrived before the greeting was written. */
  get seen(): boolean {
    return this.#seen;
  }
}

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
