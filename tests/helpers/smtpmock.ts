/** Shortcuts for smtpmock tests: an in-process server or the CLI, and a greeted raw client. */
import assert from "node:assert/strict";
import { SmtpmockServer, type SmtpmockServerOptions } from "../../mod.ts";
import { type Cli, startSmtpmockCli } from "./cli.ts";
import { RawClient, type Step, transcriptOn } from "./raw_client.ts";

export const INVALID =
  "502 Command unrecognized. Available commands: HELO, EHLO, MAIL FROM:, RCPT TO:, DATA, RSET, NOOP, QUIT\r\n";
export const R250 = "250 Received\r\n";
export const R354 = "354 Ready for receive message. End data with <CR><LF>.<CR><LF>\r\n";
export const R221 = "221 Closing connection\r\n";

/** Runs `steps` against a fresh in-process server; `"<closed>"` as last S step awaits close. */
export async function runTranscript(
  steps: Step[],
  options: SmtpmockServerOptions = {},
): Promise<SmtpmockServer> {
  const server = await SmtpmockServer.start(options);
  try {
    await transcriptOn(server.port, steps);
  } finally {
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

/** Starts the CLI, greets, runs `body`, then kills the process whatever happened. */
export async function withCli(
  flags: string[],
  body: (c: RawClient, cli: Cli & { port: number }) => Promise<void>,
  greeting = "220 Welcome\r\n",
): Promise<void> {
  const cli = await startSmtpmockCli(flags);
  const c = await RawClient.connect(cli.port);
  try {
    assert.equal(await c.readLine(), greeting);
    await body(c, cli);
  } finally {
    c.close();
    cli.kill("SIGKILL");
    await cli.exited;
  }
}
