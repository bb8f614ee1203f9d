/**
 * An in-process GNU mockmta: the daemon of `mocksmtp mockmta -f`, with the messages it
 * accepted available to the test that started it.
 */
import { Server, type StopOutcome } from "../server.ts";
import { secureContextFor } from "../net/tls.ts";
import type { TlsOptions } from "../net/types.ts";
import { MboxSink } from "../sinks/mbox.ts";
import { MemoryStore } from "../sinks/memory.ts";
import type { MockmtaConfig, MockmtaMessage } from "../smtp/mockmta/config.ts";
import { mockmtaEngine } from "../smtp/mockmta/session.ts";
import type { ReceivedMessage, Sink } from "../smtp/message.ts";
import { oneSink } from "./sinks.ts";
import type { LogFn } from "../smtp/session.ts";
import type { Clock } from "../smtp/clock.ts";
import {
  acceptAll,
  CapturingServer,
  type TranscriptOptions,
  transcriptStore,
} from "./capturing_server.ts";
import type { TranscriptStore } from "../smtp/transcript.ts";
import { type Logger, toLogFn } from "./logger.ts";
import { attachAll, type FaultOptions, faultRulesFor, faultsHook } from "./faults.ts";
import { cloneLint, type LintField, type LintOption } from "./lint.ts";

/** Options of {@link MockmtaServer.start}. */
export interface MockmtaServerOptions extends TranscriptOptions, FaultOptions {
  /** Listen address; default `127.0.0.1`. */
  host?: string;
  /** Listen port; 0 (default) picks a free one, see {@link MockmtaServer.port}. */
  port?: number;
  /** UNIX mailbox that receives every accepted message (mboxrd, dotlocked). */
  mailbox?: string;
  /** Where messages go instead of `mailbox`; a failure is answered 451 (temporary) or 554. */
  sink?: Sink;
  /**
   * Further sinks, handed each message in order after `sink` or `mailbox`; the first failure
   * is answered. A sink that throws an `SmtpError` has its reply sent.
   */
  sinks?: Sink[];
  /** PEM key material: STARTTLS is offered on every connection when given. */
  tls?: TlsOptions;
  /** Idle timeout in seconds for every wait for client input (mockmta's `-t`); none by default. */
  timeout?: number;
  /** Receives session activity (`debug` is the C:/S: transcript); silent when absent. */
  logger?: Logger;
  /** The same as `logger`, with all eight syslog levels (what the CLI uses). */
  log?: LogFn;
  /** Keep accepted messages for {@link MockmtaServer.messages} (default true). */
  keepMessages?: boolean;
  /** Protocol limits; defaults as documented in `MockmtaConfig`. */
  limits?: Partial<Omit<MockmtaConfig, "idleTimeoutMs">>;
  /**
   * The clock of every timer of the server and its sessions (delays, timeouts, the stop
   * timeout); default the system clock. Tests inject a fake one to control time.
   */
  clock?: Clock;
  /**
   * Extension: client lint (docs/lint.md). Each accepted message's record gets `lint` (its
   * findings) and each session ends with a `lint: session N: …` log line (`info`). Off by
   * default.
   */
  lint?: LintOption;
}

/**
 * A mockmta daemon: serves sessions concurrently with one message counter for all of them
 * (`250 0001 …`, `250 0002 …` across connections).
 *
 * @example Receive one message into memory
 * ```ts
 * import { MockmtaServer } from "./mockmta.ts";
 *
 * await using server = await MockmtaServer.start();
 * // …point the code under test at 127.0.0.1:server.port…
 * if (server.messages().length !== 0) throw new Error("nothing sent yet");
 * ```
 */
export class MockmtaServer extends CapturingServer<MockmtaMessage & LintField> {
  private constructor(
    server: Server,
    messages: MemoryStore<MockmtaMessage & LintField>,
    transcripts?: TranscriptStore,
  ) {
    super(server, messages, transcripts);
  }

  /**
   * Starts listening. Rejects with a `ListenError` when the address cannot be bound, and
   * with the TLS library's error when `tls` holds unusable key material.
   */
  static async start(options: MockmtaServerOptions = {}): Promise<MockmtaServer> {
    if (options.tls) secureContextFor(options.tls); // fail now, not at the first STARTTLS
    const sink = oneSink(
      options.sink ?? (options.mailbox ? new MboxSink(options.mailbox) : undefined),
      options.sinks,
    ) ?? acceptAll;
    const keep = options.keepMessages ?? true;
    const messages = new MemoryStore<MockmtaMessage & LintField>(options.clock);
    let count = 0;
    const transcripts = await transcriptStore(options);
    const faults = await faultRulesFor(options);
    const log = options.log ?? toLogFn(options.logger);
    const lint = await cloneLint(options.lint, log);
    const attach = attachAll(transcripts?.attach, faultsHook(faults), lint?.attach);
    const server = await Server.start({
      hostname: options.host ?? "127.0.0.1",
      port: options.port ?? 0,
      log,
      tls: options.tls,
      clock: options.clock,
      engine: mockmtaEngine(
        { ...options.limits, idleTimeoutMs: (options.timeout ?? 0) * 1000 },
        {
          deliver: (m: ReceivedMessage) => sink.deliver(lint ? lint.tag(m) : m),
          nextMessageNumber: () => ++count,
          now: () => new Date(),
          accepted: (m) => keep && messages.add(m),
          ...(attach && { attach }),
        },
      ),
    });
    return new MockmtaServer(server, messages, transcripts).useFaults(faults);
  }

  /** Like SIGTERM to the daemon: open connections are closed at once. */
  protected readonly defaultStopTimeoutMs = 0;

  /**
   * Resolves once every session has ended, so a delivery in progress is finished, never cut.
   * A message whose DATA was still arriving is not delivered.
   */
  protected override async finishStop(stopping: Promise<StopOutcome>): Promise<StopOutcome> {
    const outcome = await stopping;
    await this.server.idle();
    return outcome;
  }
}
