/**
 * The one message record: what every persona hands to its sinks once a message has fully
 * arrived, and what persona-specific views are made from.
 */
import { SmtpError } from "./error.ts";
import type { Reply } from "./reply.ts";
import type { EsmtpParams } from "./params.ts";
import type { Address, TlsSession } from "./wire.ts";

/** No parameters: one shared frozen object, for dialects that take none. */
export const NO_PARAMS: EsmtpParams = Object.freeze({});

/** One accepted message: envelope, the bytes of DATA and the facts of its session. */
export interface ReceivedMessage {
  /**
   * The session it arrived in (`Conversation.info.id`): messages of one connection share it,
   * and a transcript with the same id shows the conversation.
   */
  sessionId?: number;
  /** Envelope sender as the client gave it (without angle brackets; `""` for `<>`). */
  from: string;
  /** Envelope recipients in the order accepted (duplicates kept). */
  to: string[];
  /** ESMTP parameters of the accepted MAIL FROM, as sent (every persona sets it). */
  mailParams?: EsmtpParams;
  /** ESMTP parameters of each accepted RCPT TO, index for index with `to`. */
  rcptParams?: EsmtpParams[];
  /** The message content after dot-unstuffing, line endings as sent, without the final `.` line. */
  data: Uint8Array;
  /** The HELO/EHLO argument of the session. */
  helo: string;
  remoteAddress: Address;
  localAddress: Address;
  /** When the final `.` arrived. */
  receivedAt: Date;
  /** When its session (connection) started. */
  sessionStartedAt?: Date;
  /** True when the message arrived over a TLS-protected session. */
  tls?: boolean;
  /** What TLS negotiated, when the session is protected and the transport tells. */
  tlsSession?: TlsSession;
  /** Authenticated user name, when the session authenticated. */
  authUser?: string;
  /** The SASL mechanism of `authUser` (`PLAIN`, `LOGIN`, `CRAM-MD5`). */
  authMechanism?: string;
  /** Whether the session greeted with HELO or EHLO. */
  heloVerb?: "HELO" | "EHLO";
  /** How the content arrived: a DATA body (dot-unstuffed) or BDAT chunks (verbatim). */
  transport?: "DATA" | "BDAT";
  /** MAIL's BODY= parameter as accepted (RFC 6152, RFC 3030), upper case. */
  bodyType?: "7BIT" | "8BITMIME" | "BINARYMIME";
  /** MAIL carried SMTPUTF8 (RFC 6531): addresses and headers may be UTF-8. */
  smtpUtf8?: boolean;
}

/** Outcome of handing a message to a sink. */
export type DeliveryResult =
  | {
    ok: true;
    /** The sink's name for the message (a store's ID), for replies like `queued as <id>`. */
    id?: string;
  }
  | {
    ok: false;
    /** Temporary (4xx) or permanent (5xx) failure. */
    temporary: boolean;
    /** One line for logs. */
    reason: string;
    /** Exit status of a command sink, when there was one. */
    exitCode?: number;
    /** True when a command sink was killed by a signal. */
    signaled?: boolean;
    /** The exact reply to give (a sink threw an {@link SmtpError}). */
    reply?: Reply;
  };

/** Where accepted mail goes. A new storage or forwarding capability is a new sink module. */
export interface Sink {
  deliver(message: ReceivedMessage): Promise<DeliveryResult>;
}

/** The failure for a sink that threw `e`: its reply if it is an {@link SmtpError}. */
export function smtpErrorResult(e: unknown): DeliveryResult | null {
  if (!(e instanceof SmtpError)) return null;
  return { ok: false, temporary: e.temporary, reason: e.message, reply: e };
}

/**
 * Several sinks as one: each gets the message in order, and the first failure (or throw) ends
 * the delivery, later sinks not tried. Any sink works with any persona this way.
 *
 * @example An mbox file and a memory capture for one server
 * ```ts
 * import { Sinks } from "./message.ts";
 * const seen: string[] = [];
 * const sinks = new Sinks([
 *   { deliver: (m) => (seen.push(m.from), Promise.resolve({ ok: true })) },
 *   { deliver: () => Promise.resolve({ ok: true }) },
 * ]);
 * console.assert(sinks.list.length === 2);
 * ```
 */
export class Sinks implements Sink {
  constructor(readonly list: readonly Sink[]) {}

  async deliver(message: ReceivedMessage): Promise<DeliveryResult> {
    for (const sink of this.list) {
      const result = await sink.deliver(message);
      if (!result.ok) return result;
    }
    return { ok: true };
  }
}
