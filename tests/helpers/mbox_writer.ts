/**
 * Child process for the multi-process mbox test: `mbox_writer.ts MAILBOX WRITER COUNT`.
 * Prints `ready`, waits for a line on stdin (so all writers start together), delivers COUNT
 * messages at once with bodies from {@link writerBody}, then prints one JSON line
 * `{"failed": [...reasons], "busy": N}` and exits 0 when every delivery succeeded.
 */
import process from "node:process";
import { MboxSink } from "../../src/sinks/mbox.ts";
import type { ReceivedMessage } from "../../src/smtp/message.ts";

/** The unique data of message `index` of writer `writer`, shared with the test. */
export function writerBody(writer: number, index: number): string {
  const tag = `w${writer}-m${index}`;
  // Several lines, one needing From-quoting, so interleaving or partial writes would show.
  return `Subject: ${tag}\r\n\r\n${tag} first\r\nFrom ${tag} quoted\r\n${tag.repeat(40)}\r\n` +
    `${tag} last\r\n`;
}

/** A message as the session would hand it over. */
export function writerMessage(writer: number, index: number): ReceivedMessage {
  return {
    from: `w${writer}@example.org`,
    to: ["rcpt@example.net"],
    data: new TextEncoder().encode(writerBody(writer, index)),
    helo: "writer.example",
    remoteAddress: { hostname: "127.0.0.1", port: 1 },
    localAddress: { hostname: "127.0.0.1", port: 25 },
    receivedAt: new Date(Date.UTC(2026, 10, 2, 3, 4, 5)),
  };
}

async function main(): Promise<void> {
  const [mailbox, writerArg, countArg] = process.argv.slice(2);
  const writer = Number(writerArg);
  const count = Number(countArg);
  let busy = 0;
  const sink = new MboxSink(mailbox, { onLockBusy: () => busy++ });
  process.stdout.write("ready\n");
  await new Promise<void>((resolve) => process.stdin.once("data", () => resolve()));
  process.stdin.pause();
  const results = await Promise.all(
    Array.from({ length: count }, (_, i) => sink.deliver(writerMessage(writer, i))),
  );
  const failed = results.flatMap((r) => r.ok ? [] : [r.reason]);
  process.stdout.write(JSON.stringify({ failed, busy }) + "\n");
  process.exit(failed.length === 0 ? 0 : 1);
}

if (import.meta.main) await main();
