/** An in-process go-smtp-mock: the server plus the capture API tests assert on. */
import { Server, type StopOutcome } from "../server.ts";
import { MemoryStore } from "../sinks/memory.ts";
import {
  resolveConfig,
  type SmtpmockConfig,
  type SmtpmockOptions,
} from "../smtp/smtpmock/config.ts";
import type { SmtpmockRecord } from "../smtp/smtpmock/record.ts";
import { smtpmockEngine } from "../smtp/smtpmock/session.ts";
import type { Clock } from "../smtp/clock.ts";
import { type Sink, Sinks } from "../smtp/message.ts";
import { CapturingServer, type TranscriptOptions, transcriptStore } from "./capturing_server.ts";
import type { TranscriptStore } from "../smtp/transcript.ts";
import { type Logger, toLogFn } from "./logger.ts";
import { attachAll, type FaultOptions, faultRulesFor, faultsHook } from "./faults.ts";
import { cloneLint, type LintField, type LintOption } from "./lint.ts";

export interface SmtpmockServerOptions extends SmtpmockOptions, TranscriptOptions, FaultOptions {
  /** Listen address; default `127.0.0.1`. */
  host?: string;
  /** Listen port; 0 (default) picks a free one, see {@link SmtpmockServer.port}. */
  port?: number;
  /** Receives server and session activity; silent when absent. */
  logger?: Logger;
  /**
   * Keep accepted messages for {@link SmtpmockServer.messages} (default true). The CLI turns
   * it off: a binary nobody can query must not grow with every message.
   */
  keepMessages?: boolean;
  /**
   * Keep go-smtp-mock's per-connection records for {@link SmtpmockServer.sessions} (default:
   * as `keepMessages`). The CLI never serves them, so it keeps none even with `-httpApi`:
   * each costs about 2 KB, and health-check probes open connections by the thousand.
   */
  keepSessions?: boolean;
  /**
   * Longest command line accepted before the session is ended (default 1 MiB). A DATA body
   * line is bounded by `msgSizeLimit` instead.
   */
  maxLine?: number;
  /**
   * The clock of every timer of the server and its sessions (delays, timeouts, the stop
   * timeout); default the system clock. Tests inject a fake one to control time.
   */
  clock?: Clock;
  /**
   * Extension: sinks every accepted message is handed to, in order, before its `250` (none by
   * default, as go-smtp-mock), e.g. an `MboxSink`. A sink that throws an `SmtpError` has its
   * reply sent instead of the `250`.
   */
  sinks?: Sink[];
  /**
   * Extension: client lint (docs/lint.md). Each accepted message's record gets `lint` (its
   * findings) and each session ends with a `lint: session N: …` line (the logger's `info`).
   * Off by default.
   */
  lint?: LintOption;
}

export class SmtpmockServer extends CapturingServer<SmtpmockRecord & LintField> {
  /** The effective configuration (go-smtp-mock's defaults applied). */
  readonly config: SmtpmockConfig;
  readonly #sessions: MemoryStore<SmtpmockRecord>;
  readonly #logger?: Logger;

  private constructor(
    server: Server,
    config: SmtpmockConfig,
    stores: {
      messages: MemoryStore<SmtpmockRecord & LintField>;
      sessions: MemoryStore<SmtpmockRecord>;
    },
    logger?: Logger,
    transcripts?: TranscriptStore,
  ) {
    super(server, stores.messages, transcripts);
    this.config = config;
    this.#sessions = stores.sessions;
    this.#logger = logger;
  }

  /** Starts listening; rejects with a `ListenError` when the address cannot be bound. */
  static async start(options: SmtpmockServerOptions = {}): Promise<SmtpmockServer> {
    const config = resolveConfig(options);
    const keep = options.keepMessages ?? true;
    const keepSessions = options.keepSessions ?? keep;
    const stores = {
      messages: new MemoryStore<SmtpmockRecord & LintField>(options.clock),
      sessions: new MemoryStore<SmtpmockRecord>(options.clock),
    };
    const transcripts = await transcriptStore(options);
    const faults = await faultRulesFor(options);
    const lint = await cloneLint(options.lint, toLogFn(options.logger));
    const attach = attachAll(transcripts?.attach, faultsHook(faults), lint?.attach);
    const server = await Server.start({
      hostname: options.host ?? "127.0.0.1",
      port: options.port ?? 0,
      log: toLogFn(options.logger),
      clock: options.clock,
      // Keeping nothing, its sessions allocate so little that Bun would collect closed ones late
      // (RSS +6 MiB); with kept records each full collection would cost in proportion to them.
      ...(!keep && !keepSessions && { collectEvery: 1024 }),
      engine: smtpmockEngine(config, {
        maxLine: options.maxLine,
        ...(attach && { attach }),
        ...(options.sinks?.length && { sink: new Sinks(options.sinks) }),
        ...(lint && options.sinks?.length && { sink: lint.sink(new Sinks(options.sinks)) }),
        // Without keeping, no hooks: no snapshot is built per message or per connection.
        ...(keep && { message: (r: SmtpmockRecord) => stores.messages.add(r) }),
        ...(keep && lint && {
          message: (r: SmtpmockRecord) =>
            stores.messages.add(Object.assign(r, { lint: lint.linter.findings({ data: r.raw }) })),
        }),
        ...(keepSessions && {
          sessionRecord: (r: SmtpmockRecord) => stores.sessions.add(r),
        }),
      }),
    });
    const self = new SmtpmockServer(server, config, stores, options.logger, transcripts)
      .useFaults(faults);
    self.#logger?.info?.(`SMTP mock server started on port: ${server.address.port}`);
    return self;
  }

  /** Forgets every stored message and session record. */
  override purge(): void {
    super.purge();
    this.#sessions.take();
  }

  /**
   * go-smtp-mock's own records: one per finished connection (including connections that
   * sent nothing) and, with `multipleMessageReceiving`, one per MAIL after RSET. Empty when
   * started with `keepSessions: false`.
   */
  sessions(): SmtpmockRecord[] {
    return this.#sessions.list();
  }

  /** Returns the session records and forgets them, atomically. */
  sessionsAndPurge(): SmtpmockRecord[] {
    return this.#sessions.take();
  }

  /** go-smtp-mock's `shutdownTimeout`: sessions may finish their next command meanwhile. */
  protected get defaultStopTimeoutMs(): number {
    return this.config.shutdownTimeout * 1000;
  }

  /** go-smtp-mock's shutdown log lines around the stop. */
  protected override async finishStop(stopping: Promise<StopOutcome>): Promise<StopOutcome> {
    // Logged once the listener is closed (as go-smtp-mock's accept loop does), so a client
    // that reacts to this line is refused.
    await this.server.stopAccepting();
    this.#logger?.warning?.(
      "SMTP mock server is in the shutdown mode and won't accept new connections",
    );
    const outcome = await stopping;
    this.#logger?.info?.(
      outcome === "graceful"
        ? "SMTP mock server was stopped successfully"
        : "SMTP mock server was force stopped by timeout",
    );
    return outcome;
  }
}
