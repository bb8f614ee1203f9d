/** An in-process msmtpd: the server, its 16-session limit, AUTH brake and delivery sink. */
import { Server } from "../server.ts";
import { MemoryStore } from "../sinks/memory.ts";
import { PipeSink, type PipeSinkOptions } from "../sinks/pipe.ts";
import type { ReceivedMessage, Sink } from "../smtp/message.ts";
import { AuthFailureWindow } from "../smtp/msmtpd/auth.ts";
import { DEFAULT_MAX_MAIL_SIZE } from "../smtp/msmtpd/input.ts";
import { msmtpdEngine } from "../smtp/msmtpd/session.ts";
import { MSMTPD_PIPE_FORMAT } from "../smtp/msmtpd/piped_mail.ts";
import { type Clock, systemClock } from "../smtp/clock.ts";
import type { LogFn } from "../smtp/session.ts";
import { oneSink } from "./sinks.ts";
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

/** msmtpd's pipe to `command` (`msmtpd --command`): its command line, input and texts. */
export function msmtpdPipeSink(command: string, options?: PipeSinkOptions): PipeSink {
  return new PipeSink(command, MSMTPD_PIPE_FORMAT, options);
}

/** msmtpd's MAX_ACTIVE_SESSIONS. */
export const MSMTPD_MAX_SESSIONS = 16;

/** msmtpd's compiled-in `--command` as Debian builds it. */
export const MSMTPD_DEFAULT_COMMAND = "/usr/bin/msmtp -f %F --";

/** Options of {@link MsmtpdServer.start}. */
export interface MsmtpdServerOptions extends TranscriptOptions, FaultOptions {
  /** Listen address; default `127.0.0.1`. */
  host?: string;
  /** Listen port; 0 (default) picks a free one, see {@link MsmtpdServer.port}. */
  port?: number;
  /**
   * Pipe each mail to this command (run by `/bin/sh -c`, first `%F` → sender, recipients
   * appended), as `msmtpd --command`. Without it (and without `sink`) mail is only kept in
   * memory for {@link MsmtpdServer.messages}.
   */
  command?: string;
  /** Where mail goes instead of a command; its failures become 451/554 replies. */
  sink?: Sink;
  /**
   * Further sinks, handed each mail in order after `sink` or `command`; the first failure is
   * answered. A sink that throws an `SmtpError` has its reply sent.
   */
  sinks?: Sink[];
  /** Tuning of the pipe command when `command` is given. */
  pipe?: PipeSinkOptions;
  /** Require AUTH PLAIN with these credentials (`msmtpd --auth`). */
  auth?: { user: string; password: string };
  /** Receives msmtpd's log messages (info and error); silent when absent. */
  logger?: Logger;
  /** Level-based alternative to `logger`, used by the CLI. */
  log?: LogFn;
  /** Keep delivered messages for {@link MsmtpdServer.messages} (default true). */
  keepMessages?: boolean;
  /** Concurrent sessions; a further client waits for its greeting. Default 16. */
  maxSessions?: number;
  /**
   * Extension (msmtpd has no limit): the largest mail in bytes, after dot-unstuffing and without
   * the Received header. A larger one is read to its end, dropped and answered
   * `554 Cannot allocate memory`, so no client can make the process grow without bound.
   * Default {@link MSMTPD_DEFAULT_MAX_MAIL_SIZE} (64 MiB); `Infinity` for no cap.
   */
  maxMailSize?: number;
  /**
   * The clock of every timer of the server and its sessions (the AUTH brake and its window,
   * the stop timeout); default the system clock. Tests inject a fake one to control time.
   */
  clock?: Clock;
  /**
   * Extension: client lint (docs/lint.md). Each delivered mail's record gets `lint` (its
   * findings) and each session ends with a `lint: session N: …` log line (`info`). Off by
   * default.
   */
  lint?: LintOption;
}

/** The default of {@link MsmtpdServerOptions.maxMailSize}: 64 MiB. */
export const MSMTPD_DEFAULT_MAX_MAIL_SIZE = DEFAULT_MAX_MAIL_SIZE;

/**
 * An msmtpd daemon in-process: at most 16 sessions (a further client waits for its greeting),
 * each accepted mail piped to `command` through `/bin/sh -c` (or handed to `sink`), AUTH PLAIN
 * with msmtpd's one-second brake after a failure. See docs/msmtpd.md.
 *
 * @example Capture mail in memory
 * ```ts
 * import { MsmtpdServer } from "./msmtpd.ts";
 * import { connect } from "node:net";
 *
 * await using server = await MsmtpdServer.start();
 * const socket = connect(server.port, "127.0.0.1");
 * socket.write("HELO x\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<c@d.org>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n");
 * const [message] = await server.waitForMessages(1);
 * socket.destroy();
 * if (message.to[0] !== "c@d.org") throw new Error("unexpected recipient");
 * ```
 *
 * @example Pipe each mail to a command, as `msmtpd --command`
 * ```ts
 * import { MsmtpdServer } from "./msmtpd.ts";
 *
 * const server = await MsmtpdServer.start({ command: "cat > /dev/null; :" });
 * await server.stop();
 * ```
 */
export class MsmtpdServer extends CapturingServer<ReceivedMessage & LintField> {
  private constructor(
    server: Server,
    messages: MemoryStore<ReceivedMessage & LintField>,
    transcripts?: TranscriptStore,
  ) {
    super(server, messages, transcripts);
  }

  /** Starts listening; rejects with a `ListenError` when the address cannot be bound. */
  static async start(options: MsmtpdServerOptions = {}): Promise<MsmtpdServer> {
    const keep = options.keepMessages ?? true;
    const messages = new MemoryStore<ReceivedMessage & LintField>(options.clock);
    const log = options.log ?? toLogFn(options.logger);
    const lint = await cloneLint(options.lint, log);
    const sink = oneSink(
      options.sink ??
        (options.command !== undefined
          ? msmtpdPipeSink(options.command, { clock: options.clock, ...options.pipe })
          : undefined),
      options.sinks,
    ) ?? acceptAll;
    const maxSessions = options.maxSessions ?? MSMTPD_MAX_SESSIONS;
    const clock = options.clock ?? systemClock;
    const failures = new AuthFailureWindow(clock);
    const transcripts = await transcriptStore(options);
    const faults = await faultRulesFor(options);
    const attach = attachAll(transcripts?.attach, faultsHook(faults), lint?.attach);
    // The engine counts sessions of the server it is being built for.
    const live: { server?: Server } = {};
    const engine = msmtpdEngine(
      {
        // Without a command msmtpd's default still caps the recipients, as msmtpd would.
        command: options.command ?? MSMTPD_DEFAULT_COMMAND,
        commandPiped: options.sink === undefined && options.command !== undefined,
        sink: lint ? lint.sink(sink) : sink,
        auth: options.auth,
        maxMailSize: options.maxMailSize,
        // Only our own sinks are known to keep nothing; a caller's sinks may keep the message.
        releaseMail: !keep && options.sink === undefined && !options.sinks?.length,
      },
      {
        authDelay: () => failures.armed(),
        ended: (status) => status === 2 && failures.failed(),
        connection: { activeSessions: () => live.server?.activeSessions ?? 1, maxSessions },
        delivered: (m) => keep && messages.add(m),
        ...(attach && { attach }),
      },
    );
    const server = live.server = await Server.start({
      hostname: options.host ?? "127.0.0.1",
      port: options.port ?? 0,
      engine,
      log,
      maxSessions,
      clock,
    });
    return new MsmtpdServer(server, messages, transcripts).useFaults(faults);
  }

  /** Like msmtpd's sessions on SIGTERM, running ones finish by themselves, however long. */
  protected readonly defaultStopTimeoutMs = Infinity;

  /** Closes every session at once: a test scope ending must not wait for idle clients. */
  override async [Symbol.asyncDispose](): Promise<void> {
    await this.stop({ force: true });
  }
}
