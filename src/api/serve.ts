/**
 * `mocksmtp serve` in-process: the modern ESMTP dialect on one or two SMTP listeners, every
 * accepted message captured in a bounded store (and, on request, written to Maildir, mbox or
 * .eml files), the Mailpit-shaped HTTP API over that store, TLS from a throwaway CA minted at
 * start, transcripts per session, fault rules and client lint on every session.
 */
import { Server, type StopOutcome } from "../server.ts";
import { ListenError } from "../net/types.ts";
import { preloadTransport } from "../net/runtime.ts";
import { deferredClock } from "./deferred_clock.ts";
import { type Clock, systemClock } from "../smtp/clock.ts";
import type { Conversation, Interceptor } from "../smtp/conversation.ts";
import type { DeliveryResult, ReceivedMessage, Sink } from "../smtp/message.ts";
import { Sinks } from "../smtp/message.ts";
import { type Transcript, TranscriptStore } from "../smtp/transcript.ts";
import { esmtpEngine } from "../smtp/esmtp/engine.ts";
import type { AuthAttempt, EsmtpConfig, EsmtpHooks } from "../smtp/esmtp/config.ts";
import type { CaptureStore, StoredMessage } from "../capture/store.ts";
import type { StopOptions } from "./capturing_server.ts";
import type { LogFn } from "../smtp/session.ts";
import { toLogFn } from "./logger.ts";
import type { ServeAuthOptions, ServeServerOptions, ServeSmtpOptions } from "./serve_options.ts";
import type { MailpitApi } from "../http/mailpit.ts";
import type { FaultRules } from "../faults/rules.ts";
import type { Linter } from "../lint/linter.ts";
import { ENHANCED_CONVENTIONS } from "../faults/conventions.ts";
import { LateFaults } from "../faults/session.ts";
import { PendingLint } from "../lint/pending.ts";
import { faultRulesFor } from "./faults.ts";

export type { ServeServerOptions } from "./serve_options.ts";

/** Options of {@link ServeServer.waitForMessages}. */
export interface ServeWaitOptions {
  /** Only messages matching this Mailpit search (`to:a@b.org subject:"Welcome"`) count. */
  query?: string;
  /** Milliseconds; default 5000. */
  timeout?: number;
  signal?: AbortSignal;
}

/** So long after listening without a client, the background work starts anyway. */
const BACKGROUND_GRACE_MS = 10;

/** The background work waits at most this long after listening for the first greeting. */
const FIRST_GREETING_WAIT_MS = 50;

/** A session's stop timeout when none is given: sessions get 5 s to finish by themselves. */
const DEFAULT_STOP_TIMEOUT_MS = 5000;

/** The dialect's settings for the serve options. */
function esmtpConfig(smtp: ServeSmtpOptions, auth: ServeAuthOptions): Partial<EsmtpConfig> {
  // Key material is always there (given or minted), so STARTTLS is off only when disabled; on
  // an implicit-TLS listener the dialect does not offer it (the session is protected).
  const disabled = new Set((smtp.disable ?? []).map((d) => d.toUpperCase()));
  return {
    hostname: smtp.hostname,
    disabled,
    allowInsecureAuth: auth.allowInsecure ?? false,
    requireAuth: auth.required ?? false,
    requireTls: smtp.requireStartTls ?? false,
    maxMessageSize: smtp.maxSize,
    maxRecipients: smtp.maxRecipients,
    maxCommandLine: smtp.maxLine,
    idleTimeoutMs: smtp.timeoutMs,
    bareLineEndings: smtp.bareLineEndings,
  };
}

/**
 * The credential check for `auth`: a users file checks each mechanism against the stored
 * password (CRAM-MD5 through the digest); otherwise any credentials are accepted.
 */
function authenticator(auth: ServeAuthOptions): (a: AuthAttempt) => boolean {
  const users = auth.users instanceof Map
    ? auth.users
    : auth.users
    ? new Map(Object.entries(auth.users))
    : null;
  if (!users || auth.acceptAny) return () => true;
  return (attempt) => {
    const secret = users.get(attempt.username);
    if (secret === undefined) return false;
    if (attempt.verify) return attempt.verify(secret);
    return attempt.password === secret;
  };
}

/** The file sinks the options ask for, prepared (folders created) so a bad path fails now. */
async function fileSinks(options: ServeServerOptions): Promise<Sink[]> {
  const sinks: Sink[] = [];
  /** A sink whose folder is created now, so that a bad path fails the start. */
  const prepared = async <S extends Sink & { prepare(): Promise<unknown> }>(
    sink: S,
    what: string,
  ) => {
    await sink.prepare().catch((e) => {
      throw new Error(`cannot create ${what}: ${(e as Error).message}`);
    });
    sinks.push(sink);
  };
  if (options.maildir !== undefined) {
    const { MaildirSink } = await import("../sinks/maildir.ts");
    await prepared(new MaildirSink(options.maildir), `Maildir ${options.maildir}`);
  }
  if (options.mbox !== undefined) {
    const { MboxSink } = await import("../sinks/mbox.ts");
    sinks.push(new MboxSink(options.mbox));
  }
  if (options.emlDir !== undefined) {
    const { EmlSink } = await import("../sinks/eml.ts");
    await prepared(new EmlSink(options.emlDir), `.eml directory ${options.emlDir}`);
  }
  return [...sinks, ...options.sinks ?? []];
}

/** The linter for `options` (on unless `lint: false`) and, with `strict`, its interceptor. */
async function serveLinter(
  options: ServeServerOptions,
  log: LogFn,
): Promise<{ linter: Linter | null; strict: Interceptor | null }> {
  if (options.lint === false) {
    if (options.strict) throw new Error("strict needs lint: not with lint: false");
    return { linter: null, strict: null };
  }
  const { Linter, strictInterceptor } = await import("../lint/linter.ts");
  const linter = new Linter({ onSessionEnd: (s) => log("info", s.line) });
  return { linter, strict: options.strict ? strictInterceptor(linter) : null };
}

/** The server's fault rules, with the chaos triggers' among them. */
async function serveFaults(options: ServeServerOptions): Promise<FaultRules> {
  const faults = (await faultRulesFor({ ...options, faults: options.faults ?? [] }))!;
  if (options.chaosTriggers) {
    (await import("../faults/chaos.ts")).applyChaosTriggers(faults, options.chaosTriggers);
  }
  return faults;
}

/** What serve delivers into, once loaded. */
interface Backend {
  store: CaptureStore;
  sinks: Sinks;
  linter: Linter | null;
}

/**
 * Serve's delivery: into the file sinks (if any), then the store, once `loaded()` is there
 * (else after `later()`). A message the store keeps at once answers without an async frame
 * or a promise of the store's (exported for scripts/bench).
 */
export function storeDelivery(
  loaded: () => Backend | null,
  later: () => Promise<Backend>,
): (message: ReceivedMessage) => Promise<DeliveryResult> {
  const slowly = async (message: ReceivedMessage): Promise<DeliveryResult> => {
    const { store, sinks, linter } = loaded() ?? await later();
    if (sinks.list.length > 0) {
      const written = await sinks.deliver(message);
      if (!written.ok) return written;
    }
    const stored = await store.add(message, linter ? { lint: linter.findings(message) } : {});
    return { ok: true, id: stored.id };
  };
  return (message) => {
    const backend = loaded();
    if (backend === null || backend.sinks.list.length > 0) return slowly(message);
    const { store, linter } = backend;
    try {
      const extras = linter ? { lint: linter.findings(message) } : undefined;
      const stored = store.addNow(message, extras);
      return stored
        ? Promise.resolve({ ok: true, id: stored.id })
        : store.add(message, extras).then((s) => ({ ok: true, id: s.id }));
    } catch (e) {
      return Promise.reject(e);
    }
  };
}

/** The capture store and the file sinks, loaded apart from the listener's modules. */
async function loadBackend(
  options: ServeServerOptions,
  clock: Clock,
  transcripts: TranscriptStore | null,
): Promise<{ store: CaptureStore; sinks: Sinks }> {
  const [{ CaptureStore }, sinks] = await Promise.all([
    import("../capture/store.ts"),
    fileSinks(options),
  ]);
  // A message shows its session's transcript while the bounded transcript store keeps it:
  // a reference per message would keep every session's transcript as long as the message.
  const transcriptOf = transcripts ? (id: number) => transcripts.get(id) : undefined;
  // Parsed on first need (a query, a listed page, a subscriber), not on the SMTP path.
  const store = new CaptureStore({
    max: options.max ?? 500,
    clock,
    transcriptOf,
    parseOnArrival: false,
  });
  return { store, sinks: new Sinks(sinks) };
}

/**
 * A listen failure that names the address: the runtimes' own listeners do not (Deno: "Address
 * already in use (os error 98)", Bun: "Failed to listen at 127.0.0.1").
 */
function namingAddress(e: unknown, host: string, port: number): unknown {
  if (!(e instanceof ListenError)) return e;
  const at = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  const why = e.message.replace(/ \(os error \d+\)$/, "");
  return new ListenError(`listen ${at}: ${why}${e.code ? ` (${e.code})` : ""}`, e.code);
}

/** `work`'s outcome, or a rejection with `signal`'s reason if it aborts first. */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    const done = () => signal.removeEventListener("abort", onAbort);
    work.then((value) => (done(), resolve(value)), (e) => (done(), reject(e)));
  });
}

/** Records in arrival order: the store lists newest first, as Mailpit does. */
function arrivalOrder(stored: readonly StoredMessage[]): ReceivedMessage[] {
  return stored.map((s) => s.message).reverse();
}

/**
 * The `serve` persona as a library: everything on, free ports by default.
 *
 * @example Send over plain SMTP, wait by query, read the record
 * ```ts
 * import { ServeServer } from "./serve.ts";
 * import { connect } from "node:net";
 *
 * await using server = await ServeServer.start({ http: false });
 * const socket = connect(server.port, server.hostname);
 * // After the greeting: a client that talks first gets an `early-talker` lint finding.
 * socket.once("data", () =>
 *   socket.write(
 *     "EHLO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n" +
 *       "RCPT TO:<hidden@example.com>\r\nDATA\r\nTo: <b@example.com>\r\nSubject: hi\r\n\r\n" +
 *       "hello\r\n.\r\nQUIT\r\n",
 *   )
 * );
 * const [message] = await server.waitForMessages(1, { query: "to:b@example.com" });
 * socket.destroy();
 * // The envelope shows every recipient, Bcc ones too.
 * if (message.to.join() !== "b@example.com,hidden@example.com") throw new Error("envelope");
 * ```
 *
 * @example Trust exactly this run's CA
 * ```ts
 * import { ServeServer } from "./serve.ts";
 * import { readFileSync } from "node:fs";
 *
 * await using server = await ServeServer.start({ http: false });
 * if (readFileSync(server.caFile!, "utf8") !== server.caPem) throw new Error("CA file");
 * ```
 */
export class ServeServer implements AsyncDisposable {
  /** Every accepted message, newest kept up to `max`; what the HTTP API serves. */
  readonly store: CaptureStore;
  /** The fault rules: add and remove while running (none unless `faults` gave some). */
  readonly faults: FaultRules;
  /** The client linter (session summaries, per-message findings), or `null` with `lint: false`. */
  readonly linter: Linter | null;
  /** The HTTP API's base URL (`http://127.0.0.1:8025`), or `null` without one. */
  readonly url: string | null;
  /** The minted CA certificate (PEM); `null` with the caller's own key material. */
  readonly caPem: string | null;
  /** Where {@link caPem} was written; `null` when not written. */
  readonly caFile: string | null;
  readonly #smtp: Server;
  readonly #smtps: Server | null;
  readonly #http: MailpitApi | null;
  readonly #transcripts: TranscriptStore | null;
  #stopped: Promise<StopOutcome> | null = null;

  private constructor(parts: {
    faults: FaultRules;
    linter: Linter | null;
    store: CaptureStore;
    smtp: Server;
    smtps: Server | null;
    http: MailpitApi | null;
    transcripts: TranscriptStore | null;
    caPem: string | null;
    caFile: string | null;
  }) {
    this.store = parts.store;
    this.faults = parts.faults;
    this.linter = parts.linter;
    this.#smtp = parts.smtp;
    this.#smtps = parts.smtps;
    this.#http = parts.http;
    this.#transcripts = parts.transcripts;
    this.caPem = parts.caPem;
    this.caFile = parts.caFile;
    this.url = parts.http?.url ?? null;
  }

  /**
   * Starts listening (SMTP first, so clients are greeted while the key material is still
   * being minted; a STARTTLS waits for it), then the HTTP API. Resolves once all of it is
   * ready. Rejects with a `ListenError` when an address cannot be bound, with the reason
   * the key material could not be made, or with `signal`'s reason when it aborts first;
   * whatever was started is stopped again.
   */
  static async start(options: ServeServerOptions = {}): Promise<ServeServer> {
    const signal = options.signal;
    signal?.throwIfAborted();
    // A stop asked for while starting (SIGTERM right after the first 220): the start gives up
    // at its next step instead of minting and loading on for tens of milliseconds first.
    const step = <T>(work: Promise<T>) => unlessAborted(work, signal);
    const clock: Clock = options.clock ?? systemClock;
    const log = options.log ?? toLogFn(options.logger);
    // Only the dialect and the transport load before the first 220. Minting (X.509), the store
    // (MIME parsing) and the file sinks start once the listener greets; a STARTTLS or a
    // delivery that comes first waits for them. The caller's own PEM is checked right now.
    // Its module loads only then: node:crypto and node:tls (on Deno, Node's compatibility
    // layer) would delay the first 220.
    const loadMaterial = async () =>
      (await import("../tls/material.ts")).tlsMaterial(options.tls, signal);
    const given = options.tls && "cert" in options.tls ? await loadMaterial() : null;
    let startBackground!: () => void;
    const listening = new Promise<void>((resolve) => startBackground = resolve);
    const material = listening.then(() => given ?? loadMaterial());
    const keep = options.transcripts ?? 100;
    const transcripts = keep ? new TranscriptStore(keep === true ? 100 : keep) : null;
    // Rules given act from the first byte: loaded before listening (a few ms). Without any,
    // the rule grammar and engine load once the listener greets: no rule can exist before
    // (the API that adds them is up only then). Serve always has rules (none unless given),
    // so /api/v1/faults and /api/v1/chaos work.
    const rules = options.faults;
    const rulesNow = Boolean(options.chaosTriggers) ||
      (rules !== undefined && !(Array.isArray(rules) && rules.length === 0));
    // Lint likewise loads after the greeting, unless `strict` needs it to refuse from the
    // first message on; sessions that open before are recorded and replayed into it.
    const lintNow = options.lint === false || Boolean(options.strict);
    const [earlyFaults, earlyLint] = await Promise.all([
      rulesNow ? serveFaults(options) : null,
      lintNow ? serveLinter(options, log) : null,
      preloadTransport(),
    ]);
    // Sessions are intercepted only once a rule exists (none may exist for the whole run).
    const lateFaults = new LateFaults(ENHANCED_CONVENTIONS);
    if (earlyFaults) lateFaults.arrived(earlyFaults);
    const faultsReady = earlyFaults ? Promise.resolve(earlyFaults) : listening.then(async () => {
      const faults = await serveFaults(options);
      lateFaults.arrived(faults);
      return faults;
    });
    faultsReady.catch(() => {}); // reported below, once the listeners are up
    const strict = earlyLint?.strict ?? null;
    const pendingLint = lintNow ? null : new PendingLint();
    const lintReady = earlyLint ? Promise.resolve(earlyLint.linter) : listening.then(async () => {
      const { linter } = await serveLinter(options, log);
      pendingLint!.arrived(linter!);
      return linter;
    });
    const backend = listening.then(async () => {
      const [parts, linter] = await Promise.all([
        loadBackend(options, clock, transcripts),
        lintReady,
      ]);
      return { ...parts, linter };
    });
    backend.catch(() => {}); // reported below, once the listeners are up
    /** The backend once loaded: a delivery then takes it without waiting a turn for it. */
    let loaded: { store: CaptureStore; sinks: Sinks; linter: Linter | null } | null = null;
    backend.then((b) => loaded = b, () => {});
    /**
     * Loading the store and minting hold the thread for tens of milliseconds: they start once
     * the first client has its greeting (written; or its session ended without one; at most
     * {@link FIRST_GREETING_WAIT_MS} after listening), or {@link BACKGROUND_GRACE_MS} after
     * listening when no client came, so that a client that connected as the port opened (a
     * harness polling for it) does not wait for them.
     */
    let waitingForGreeting = true;
    let firstSession = false;
    const greeted = () => {
      if (!waitingForGreeting) return;
      waitingForGreeting = false;
      startBackground();
    };
    const auth = options.auth ?? {};
    const smtpOptions = options.smtpOptions ?? {};
    const hooks: EsmtpHooks = {
      // Wall-clock time for records; the injected clock is monotonic and only times waits.
      now: () => new Date(),
      authenticate: authenticator(auth),
      attach: (conv: Conversation) => {
        if (waitingForGreeting) {
          firstSession = true;
          conv.observe({ reply: greeted, close: greeted });
        }
        transcripts?.attach(conv);
        lateFaults.attach(conv);
        if (pendingLint) pendingLint.attach(conv);
        else earlyLint?.linter?.attach(conv);
        if (strict) conv.intercept(strict);
      },
      // Once the store is there, bodies go straight into its slabs.
      dataBody: (max: number) => loaded?.store.dataBody(max),
      deliver: storeDelivery(() => loaded, () => backend),
    };
    const engine = esmtpEngine(esmtpConfig(smtpOptions, auth), hooks);
    const started: Array<{ stop(): Promise<unknown> }> = [];
    try {
      const tls = material.then((m) => m.ready);
      tls.catch(() => {}); // likewise
      const listen = (address: { host?: string; port?: number }, implicitTls: boolean) =>
        Server.start({
          hostname: address.host ?? "127.0.0.1",
          port: address.port ?? 0,
          engine,
          log,
          tls,
          implicitTls,
          maxSessions: smtpOptions.maxConnections,
          clock: options.clock ? clock : deferredClock(clock, listening),
        }).then(
          (server) => {
            if (signal?.aborted) { // abandoned while it bound: nobody else will stop it
              void server.stop(0);
              throw signal.reason;
            }
            started.push({ stop: () => server.stop(0) });
            return server;
          },
          (e) => Promise.reject(namingAddress(e, address.host ?? "127.0.0.1", address.port ?? 0)),
        );
      const smtp = await step(listen(options.smtp ?? {}, options.smtpImplicitTls ?? false));
      // Not setTimeout: on Deno 2.9 its first call sets up part of Node's layer (~4 ms).
      AbortSignal.timeout(BACKGROUND_GRACE_MS).addEventListener("abort", () => {
        if (!firstSession) greeted();
      });
      // A first session that holds its greeting back (a fault rule: delay, hang) does not
      // hold up the start.
      AbortSignal.timeout(FIRST_GREETING_WAIT_MS).addEventListener("abort", greeted);
      const smtps = options.smtps ? await step(listen(options.smtps, true)) : null;
      const { store, linter } = await step(backend);
      const loadedFaults = await step(faultsReady);
      await step(tls);
      const { caPem: pem, caFile } = await material;
      const caPem = await pem;
      let http: MailpitApi | null = null;
      if (options.http !== false) {
        const [{ startMailpitApi }, { faultRoutes }, { uiAsset }] = await step(Promise.all([
          import("../http/mailpit.ts"),
          import("../http/faults_routes.ts"),
          import("../ui/assets.ts"),
        ]));
        http = await step(
          startMailpitApi({
            store,
            host: options.http?.host ?? "127.0.0.1",
            port: options.http?.port ?? 0,
            info: caPem ? { caPem } : undefined,
            faults: faultRoutes(loadedFaults),
            ui: uiAsset,
          }).then((api) => {
            if (signal?.aborted) { // abandoned while it bound: nobody else will close it
              void api.close();
              throw signal.reason;
            }
            return api;
          }),
        );
      }
      return new ServeServer({
        faults: loadedFaults,
        linter,
        store,
        smtp,
        smtps,
        http,
        transcripts,
        caPem,
        caFile,
      });
    } catch (e) {
      startBackground(); // nothing waits forever on a listener that never came up
      await Promise.all(started.map((s) => s.stop()));
      throw e;
    }
  }

  /** The SMTP port (the one picked when 0 was asked for). */
  get port(): number {
    return this.#smtp.address.port;
  }

  /** The SMTP address listened on. */
  get hostname(): string {
    return this.#smtp.address.hostname;
  }

  /** The implicit-TLS port (`smtps`), or 0 without that listener. */
  get smtpsPort(): number {
    return this.#smtps?.address.port ?? 0;
  }

  /** Sessions running now on both SMTP listeners. */
  get activeSessions(): number {
    return this.#smtp.activeSessions + (this.#smtps?.activeSessions ?? 0);
  }

  /** Stored messages (the one record of each) in arrival order, as the other personas'. */
  messages(): ReceivedMessage[] {
    return arrivalOrder(this.store.list());
  }

  /** Forgets every stored message. */
  purge(): void {
    this.store.clear();
  }

  /**
   * Resolves once at least `count` stored messages match `options.query` (all messages
   * without one), on the arrival itself, with the matching ones in arrival order; rejects with a `WaitTimeoutError` carrying what did
   * match, or with `signal`'s reason.
   */
  async waitForMessages(count: number, options: ServeWaitOptions = {}): Promise<ReceivedMessage[]> {
    const found = await this.store.waitFor(options.query ?? "", count, {
      timeout: options.timeout ?? 5000,
      signal: options.signal,
    });
    return arrivalOrder(found);
  }

  /**
   * Per-session transcripts (commands, replies, TLS and AUTH events; credentials and bodies
   * left out), oldest first; the latest `transcripts` sessions (default 100).
   */
  transcripts(): Transcript[] {
    return this.#transcripts?.list() ?? [];
  }

  /** Resolves when the sessions open right now have all ended. */
  async idle(): Promise<void> {
    await Promise.all([this.#smtp.idle(), this.#smtps?.idle()]);
  }

  /**
   * Stops: both SMTP listeners refuse new connections at once, running sessions may end by
   * themselves for up to `timeoutMs` (default 5 s) before they are closed, then the HTTP API
   * closes. `{ force: true }` closes sessions at once. One stop, one outcome.
   */
  stop(options: StopOptions = {}): Promise<StopOutcome> {
    const timeoutMs = options.force ? 0 : options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    const smtp = this.#smtp.stop(timeoutMs);
    const smtps = this.#smtps?.stop(timeoutMs);
    return this.#stopped ??= (async () => {
      const outcomes = await Promise.all([smtp, smtps]);
      await this.#http?.close();
      return outcomes.includes("forced") ? "forced" : "graceful";
    })();
  }

  /** `await using`: closes every session at once, a test scope must not wait for idle ones. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop({ force: true });
  }
}
