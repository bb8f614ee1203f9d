/** Shortcuts for smtpmock tests: an in-process server and a greeted raw client. */
import assert from "node:assert/strict";
import { SmtpmockServer, type SmtpmockServerOptions } from "../../mod.ts";
import { RawClient, transcript } from "./raw_client.ts";

export const INVALID =
  "502 Command unrecognized. Available commands: HELO, EHLO, MAIL FROM:, RCPT TO:, DATA, RSET, NOOP, QUIT\r\n";
export const R250 = "250 Received\r\n";
export const R354 = "354 Ready for receive message. End data with <CR><LF>.<CR><LF>\r\n";
export const R221 = "221 Closing connection\r\n";

/** Runs `steps` against a fresh in-process server; `"<closed>"` as last S step awaits close. */
export async function runTranscript(
  steps: Array<["C" | "S", string]>,
  options: SmtpmockServerOptions = {},
): Promise<SmtpmockServer> {
  const server = await SmtpmockServer.start(options);
  const client = await RawClient.connect(server.port);
  try {
    const last = steps[steps.length - 1];
    const closing = last[0] === "S" && last[1] === "<closed>";
    await transcript(
      client,
      closing ? steps.slice(0, -1) : steps,
      (actual, expected, i) => assert.equal(actual, expected, `step ${i}`),
    );
    if (closing) assert.equal(await client.closed(), "", "nothing after the last reply");
  } finally {
    client.close();
    await server.stop({ force: true });
  }
  return server;
}

/** A client that has read the greeting and sent EHLO (and MAIL/RCPT if asked). */
export async function greeted(server: SmtpmockServer, upTo: "helo" | "rcpt" = "helo") {
  const c = await RawClient.connect(server.port);
  assert.equal(await c.readLine(), "220 Welcome\r\n");
  await c.send("EHLO example.com\r\n");
  assert.equal(await c.readLine(), R250);
  if (upTo === "rcpt") {
    await c.send("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n");
    assert.equal(await c.readBytes(R250.length * 2), R250 + R250);
  }
  return c;
}
