/**
 * Child process for the torn-append test: `mbox_torn_writer.ts MAILBOX BYTES`. Delivers one
 * message of about BYTES bytes through {@link MboxSink}, whose write stops half-way, prints
 * `torn` and then hangs, so the test can SIGKILL it in the middle of the append, as a kill
 * during a large write leaves the mailbox.
 */
import process from "node:process";
import { MboxSink } from "../../src/sinks/mbox.ts";

/** The body of the message that is torn, shared with the test. */
export function tornBody(bytes: number): string {
  return `Subject: torn\r\n\r\n${`${"z".repeat(70)}\r\n`.repeat(Math.ceil(bytes / 72))}`;
}

async function main(): Promise<void> {
  const [mailbox, bytesArg] = process.argv.slice(2);
  const sink = new MboxSink(mailbox, {
    async write(file, bytes, position) {
      // Half of it reaches the file, cut in the middle of a line, then the process is killed.
      const half = Math.floor(bytes.length / 2) + 3;
      await file.write(bytes, 0, half, position);
      process.stdout.write("torn\n");
      return await new Promise<number>(() => {});
    },
  });
  await sink.deliver({
    from: "torn@example.org",
    to: ["r@example.net"],
    data: new TextEncoder().encode(tornBody(Number(bytesArg))),
    helo: "torn.example",
    remoteAddress: { hostname: "127.0.0.1", port: 1 },
    localAddress: { hostname: "127.0.0.1", port: 25 },
    receivedAt: new Date(),
  });
}

if (import.meta.main) await main();
