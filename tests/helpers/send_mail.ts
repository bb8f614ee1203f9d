/** One message over a real SMTP session, each reply checked (the HTTP API tests' sender). */
import assert from "node:assert/strict";
import { RawClient } from "./raw_client.ts";

export /** Sends one message over a real SMTP session; `body` is what goes on the wire before ".". */
async function sendMail(
  port: number,
  body: string | Uint8Array,
  opts: { to?: string; beforeEnd?: () => Promise<void> } = {},
): Promise<void> {
  const c = await RawClient.connect(port);
  try {
    const step = async (line: string | Uint8Array, code: string) => {
      if (line !== "") await c.send(line);
      const reply = await c.readReply();
      assert.ok(reply.startsWith(code), `expected ${code}, got ${JSON.stringify(reply)}`);
    };
    await step("", "220");
    await step("EHLO client.example\r\n", "250");
    await step("MAIL FROM:<a@example.com>\r\n", "250");
    await step(`RCPT TO:<${opts.to ?? "b@example.com"}>\r\n`, "250");
    await step("DATA\r\n", "354");
    await c.send(body);
    await opts.beforeEnd?.();
    await step(".\r\n", "250");
    await step("QUIT\r\n", "221");
  } finally {
    c.close();
  }
}
