/** What every persona hands to a sink once a message has fully arrived. */
import type { Address } from "./wire.ts";

/** One accepted message: envelope, the bytes of DATA and the facts of its session. */
export interface ReceivedMessage {
  /** Envelope sender as the client gave it (without angle brackets; `""` for `<>`). */
  from: string;
  /** Envelope recipients in the order accepted (duplicates kept). */
  to: string[];
  /** The message content after dot-unstuffing, line endings as sent, without the final `.` line. */
  data: Uint8Array;
  /** The HELO/EHLO argument of the session. */
  helo: string;
  remoteAddress: Address;
  localAddress: Address;
  /** When the final `.` arrived. */
  receivedAt: Date;
  /** True when the message arrived over a TLS-protected session. */
  tls?: boolean;
  /** Authenticated user name, when the session authenticated. */
  authUser?: string;
}

/** Outcome of handing a message to a sink. */
export type DeliveryResult =
  | { ok: true }
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
  };

/** Where accepted mail goes. A new storage or forwarding capability is a new sink module. */
export interface Sink {
  deliver(message: ReceivedMessage): Promise<DeliveryResult>;
}
