/**
 * Messages for the capture and MIME tests: a `ReceivedMessage` from a raw text, and the raw
 * texts of a few typical mails, built line by line with CRLF as SMTP delivers them.
 */
import type { ReceivedMessage } from "../../src/smtp/message.ts";

/** `lines` joined with CRLF, ending in CRLF. */
export function crlf(...lines: string[]): string {
  return lines.join("\r\n") + "\r\n";
}

/** A record as a persona would hand it over, with `raw` as its DATA. */
export function received(
  raw: string | Uint8Array,
  over: Partial<ReceivedMessage> = {},
): ReceivedMessage {
  return {
    from: "sender@example.com",
    to: ["rcpt@example.com"],
    data: typeof raw === "string" ? new TextEncoder().encode(raw) : raw,
    helo: "client.example",
    remoteAddress: { hostname: "127.0.0.1", port: 40000 },
    localAddress: { hostname: "127.0.0.1", port: 2525 },
    receivedAt: new Date("2026-06-15T12:00:00Z"),
    ...over,
  };
}

/** A plain text mail with the given headers (name → value) and body. */
export function plainMail(headers: Record<string, string>, body: string): string {
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return crlf(...head, "", ...body.split("\n"));
}
