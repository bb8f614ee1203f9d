/**
 * mocksmtp as a library: start an SMTP test double in-process, send it mail from the code
 * under test, and assert on what it received.
 *
 * @example The serve persona: modern ESMTP, capture with queries, a CA to trust
 * ```ts
 * import { ServeServer } from "./mod.ts";
 * import { connect } from "node:net";
 *
 * await using server = await ServeServer.start();
 * const socket = connect(server.port, server.hostname);
 * socket.once("data", () => // after the greeting, as a well-behaved client
 *   socket.write(
 *     "EHLO example.com\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b+run42@example.com>\r\n" +
 *       "DATA\r\nSubject: hi\r\n\r\nhello\r\n.\r\nQUIT\r\n",
 *   )
 * );
 * const [message] = await server.waitForMessages(1, { query: "tag:run42", timeout: 5000 });
 * socket.destroy();
 * if (message.to[0] !== "b+run42@example.com") throw new Error("unexpected recipient");
 * // The HTTP API (Mailpit's v1) serves the same store, and the CA of this run.
 * const ca = await (await fetch(`${server.url}/api/v1/ca.pem`)).text();
 * if (ca !== server.caPem) throw new Error("the CA is served");
 * ```
 *
 * @example Start, send, assert, stop
 * ```ts
 * import { SmtpmockServer } from "./mod.ts";
 * import { connect } from "node:net";
 *
 * await using server = await SmtpmockServer.start();
 * const socket = connect(server.port, server.hostname);
 * socket.write(
 *   "EHLO example.com\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n" +
 *     "DATA\r\nSubject: hi\r\n\r\nhello\r\n.\r\nQUIT\r\n",
 * );
 * const [message] = await server.waitForMessages(1, { timeout: 5000 });
 * socket.destroy();
 * if (message.from !== "a@example.com") throw new Error("unexpected sender");
 * if (message.to[0] !== "b@example.com") throw new Error("unexpected recipient");
 * if (!message.msgRequest.includes("hello")) throw new Error("unexpected body");
 * ```
 *
 * @example Scripted failures, as go-smtp-mock's options
 * ```ts
 * import { SmtpmockServer } from "./mod.ts";
 *
 * const server = await SmtpmockServer.start({
 *   blacklistedRcpttoEmails: ["blocked@example.com"],
 *   msgRcpttoBlacklistedEmail: "421 Go away",
 *   failFast: true,
 * });
 * if (server.port === 0) throw new Error("a free port is chosen");
 * await server.stop();
 * ```
 *
 * @example The message record: ESMTP parameters, session start, TLS facts (after STARTTLS)
 * ```ts
 * import { MockmtaServer } from "./mod.ts";
 * import { connect } from "node:net";
 *
 * const server = await MockmtaServer.start();
 * const socket = connect(server.port, server.hostname);
 * socket.write(
 *   "EHLO example.com\r\nMAIL FROM:<a@example.com> SIZE=20 BODY=8BITMIME\r\n" +
 *     "RCPT TO:<b@example.com> NOTIFY=NEVER\r\nDATA\r\nSubject: hi\r\n\r\nhello\r\n.\r\n" +
 *     "QUIT\r\n",
 * );
 * const [message] = await server.waitForMessages(1, { timeout: 5000 });
 * socket.destroy();
 * await server.stop();
 * if (message.mailParams?.SIZE !== "20") throw new Error("MAIL parameters as sent");
 * if (message.rcptParams?.[0].NOTIFY !== "NEVER") throw new Error("one set per recipient");
 * if (!(message.sessionStartedAt! <= message.receivedAt)) throw new Error("timestamps");
 * // Over STARTTLS (`tls` option) `message.tlsSession` holds `{ version, cipher, servername? }`.
 * if (message.tls || message.tlsSession) throw new Error("this session was not protected");
 * ```
 *
 * @module
 */
export { SmtpmockServer, type SmtpmockServerOptions } from "./src/api/smtpmock.ts";
export type { Logger } from "./src/api/logger.ts";
export type { SmtpmockRecord } from "./src/smtp/smtpmock/record.ts";
export type { SmtpmockConfig, SmtpmockOptions } from "./src/smtp/smtpmock/config.ts";
export { type WaitOptions, WaitTimeoutError } from "./src/sinks/memory.ts";
export type { StopOutcome } from "./src/server.ts";
export type { StopOptions } from "./src/api/capturing_server.ts";
export type { Clock } from "./src/smtp/clock.ts";
export { ListenError } from "./src/net/types.ts";
export type { Address } from "./src/smtp/wire.ts";
export { VERSION } from "./src/version.ts";
export { MockmtaServer, type MockmtaServerOptions } from "./src/api/mockmta.ts";
export type { ReceivedMessage } from "./src/smtp/message.ts";
export type { MockmtaMessage } from "./src/smtp/mockmta/config.ts";
export type { DeliveryResult, Sink } from "./src/smtp/message.ts";
export type { EsmtpParams } from "./src/smtp/params.ts";
export type { TlsSession } from "./src/smtp/wire.ts";
export { MsmtpdServer, type MsmtpdServerOptions } from "./src/api/msmtpd.ts";
export { type HttpApi, type HttpApiOptions, startHttpApi } from "./src/http/api.ts";
// Mailpit's HTTP API v1 over a capture store, for any server through a CaptureSink.
export {
  type MailpitApi,
  type MailpitApiOptions,
  type MailpitInfo,
  startMailpitApi,
} from "./src/http/mailpit.ts";
export { CaptureStore, type CaptureStoreOptions } from "./src/capture/store.ts";
export { CaptureSink } from "./src/sinks/capture.ts";
export { Sinks } from "./src/smtp/message.ts";
export { SmtpError } from "./src/smtp/error.ts";
export type { Reply } from "./src/smtp/reply.ts";
export { MboxSink } from "./src/sinks/mbox.ts";
export type { Transcript, TranscriptLine } from "./src/smtp/transcript.ts";
export type { TranscriptOptions } from "./src/api/capturing_server.ts";
export {
  type FaultHandle,
  FaultRuleError,
  type FaultRuleInfo,
  FaultRules,
  type FaultRulesOptions,
} from "./src/faults/rules.ts";
export type { FaultConventions } from "./src/faults/conventions.ts";
export type { FaultOptions } from "./src/api/faults.ts";
export { ServeServer, type ServeWaitOptions } from "./src/api/serve.ts";
export type {
  ListenAddress,
  ServeAuthOptions,
  ServeServerOptions,
  ServeSmtpOptions,
  ServeTlsFiles,
  ServeTlsMint,
} from "./src/api/serve_options.ts";
export type { StoredMessage } from "./src/capture/store.ts";
export { MaildirSink } from "./src/sinks/maildir.ts";
export { EmlSink } from "./src/sinks/eml.ts";
// Client lint (docs/lint.md): findings, the linter for embedders, the test assertion.
export { assertNoLint, type AssertNoLintOptions, LintAssertionError } from "./src/lint/assert.ts";
export {
  type LintCounts,
  Linter,
  type LinterOptions,
  lintTotals,
  type SessionSummary,
  strictInterceptor,
  summaryLine,
  totalsLine,
} from "./src/lint/linter.ts";
export type { Finding, FindingId, Severity } from "./src/lint/finding.ts";
export type { LintField, LintOption } from "./src/api/lint.ts";
