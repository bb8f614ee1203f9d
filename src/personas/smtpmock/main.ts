/**
 * `mocksmtp smtpmock`: go-smtp-mock's command line (spec smtpmock.md §2–§3) mapped onto the
 * in-process server. Deliberate deviations, also in `-h`: `-host` defaults to 127.0.0.1; the
 * start line is printed when `-port` is omitted even without `-log`; address checks are linear.
 * Two extensions: `-httpApi` keeps the messages and serves them over HTTP/JSON (its own
 * `/api/messages` and Mailpit's API v1);
 * `-strictDataEnd` ends a body only at CRLF.CRLF.
 */
import type { Logger } from "../../api/logger.ts";
import { SmtpmockServer, type SmtpmockServerOptions } from "../../api/smtpmock.ts";
import { flushOutput, ignoreSignals, onStopSignals, type ProgramIO } from "../../cli/io.ts";
import {
  defineFlags,
  type GoFlagValue,
  goQuote,
  goUsage,
  parseGoFlags,
} from "../../flags/goflag.ts";
import type { PersonaHttpApi } from "../../http/persona_api.ts";
import { goFatalLine, goLogLine } from "../../log/gostyle.ts";
import { ListenError } from "../../net/types.ts";
import { hostPort } from "../../smtp/reply.ts";
import { BUILD_COMMIT, BUILD_TIME } from "../../build_info.ts";
import { VERSION } from "../../version.ts";
import { type HttpApiAddress, httpApiAddress, SMTPMOCK_FLAGS } from "./flags.ts";
import {
  type FaultSource,
  FaultSourceError,
  loadFaultRules,
  parseFaultSeed,
} from "../../api/faults.ts";

const FLAGS = defineFlags(SMTPMOCK_FLAGS);

const LIST_FLAGS = new Set([
  "blacklistedHeloDomains",
  "blacklistedMailfromEmails",
  "blacklistedRcpttoEmails",
  "notRegisteredEmails",
]);

/** Flag values → library options (camelCase names are the flag names). */
export function toOptions(values: Map<string, GoFlagValue>): SmtpmockServerOptions {
  const o: Record<string, unknown> = {};
  for (const [name, v] of values) {
    if (name === "httpApi") continue; // not a server option
    if (name === "fault" || name === "faults" || name === "fault-seed") continue; // see main
    if (typeof v === "bigint") o[name] = Number(v);
    else if (LIST_FLAGS.has(name)) o[name] = (v as string).split(","); // §4.8: no trimming
    else o[name] = v;
  }
  return o as SmtpmockServerOptions;
}

function goLogger(io: ProgramIO): Logger {
  return {
    info: (m) => io.stdout(goLogLine("INFO", m)),
    warning: (m) => io.stdout(goLogLine("WARNING", m)),
    error: (m) => io.stderr(goLogLine("ERROR", m)),
  };
}

/**
 * Go joins `host + ":" + port`, so an IPv6 host needs brackets (`-host=[::1]`) and a bare
 * `::1` cannot be bound. Deviation (a): the default is 127.0.0.1, as go-smtp-mock's help says.
 */
function listenHost(host: string | undefined): string {
  if (!host) return "127.0.0.1";
  if (host.startsWith("[") && host.endsWith("]")) return host.slice(1, -1);
  if (host.includes(":")) throw new ListenError(`address ${host}: too many colons`);
  return host;
}

/** Runs the persona until a stop signal; returns the exit code. */
export async function smtpmockMain(argv: string[], io: ProgramIO): Promise<number> {
  const parsed = parseGoFlags(FLAGS, argv);
  if (!parsed.ok) {
    if (parsed.help) {
      io.stderr(goUsage(io.prog, FLAGS));
      return 0;
    }
    io.stderr(`${parsed.error}\n${goUsage(io.prog, FLAGS)}`);
    return 2;
  }
  const { values } = parsed;
  if (values.get("v") === true) {
    io.stdout(`smtpmock: ${VERSION}\ncommit: ${BUILD_COMMIT}\nbuilt at: ${BUILD_TIME}\n`);
    return 0;
  }
  const options = toOptions(values);
  // Extension: fault rules; a bad one is an invalid flag value, as Go's flag package says it.
  if (parsed.repeated) {
    const sources: FaultSource[] = parsed.repeated.map(({ name, value }) =>
      name === "fault" ? { rule: value } : { file: value }
    );
    const seed = values.has("fault-seed")
      ? parseFaultSeed(values.get("fault-seed") as string)!
      : undefined;
    try {
      options.faults = await loadFaultRules(sources, seed);
    } catch (e) {
      if (!(e instanceof FaultSourceError)) throw e;
      const [name, value] = "rule" in e.source
        ? ["fault", e.source.rule]
        : ["faults", e.source.file];
      io.stderr(
        `invalid value ${goQuote(value)} for flag -${name}: ${e.message}\n${
          goUsage(io.prog, FLAGS)
        }`,
      );
      return 2;
    }
  }
  const log = values.get("log") === true;
  if (log) options.logger = goLogger(io);
  // Extension -lint: its session lines are printed with or without -log.
  if (options.lint) options.lint = { onSessionEnd: (s) => io.stdout(goLogLine("INFO", s.line)) };
  // Validated while parsing (the flag's check), so this is an address.
  const apiAt = values.has("httpApi")
    ? httpApiAddress(values.get("httpApi") as string) as HttpApiAddress
    : null;
  options.keepMessages = apiAt !== null; // without -httpApi nobody could read them
  options.keepSessions = false; // the HTTP API serves messages only
  const port = options.port ?? 0;
  // Handlers go in before the port opens: a wrapper may signal as soon as it sees the start
  // line or connects, and installing the first handler takes the runtime a few milliseconds.
  ignoreSignals(["SIGUSR1", "SIGUSR2"]);
  let stopRequested!: () => void;
  const stopSignal = new Promise<void>((resolve) => stopRequested = resolve);
  const off = onStopSignals(["SIGINT", "SIGTERM", "SIGQUIT"], () => stopRequested());
  const fatal = (msg: string) => {
    if (log) io.stderr(goLogLine("ERROR", msg));
    io.stderr(goFatalLine(msg));
    return 1;
  };
  // Extension -httpApi: the Mailpit API over a capture store fed by a sink, beside
  // /api/messages. Loaded only here: the clone's start-up without the flag pays nothing.
  const persona = apiAt ? await import("../../http/persona_api.ts") : null;
  const capture = persona?.personaCapture();
  if (capture) options.sinks = [...options.sinks ?? [], capture.sink];
  let server: SmtpmockServer;
  try {
    options.host = listenHost(options.host);
    server = await SmtpmockServer.start(options);
  } catch (e) {
    off();
    if (!(e instanceof ListenError)) throw e;
    return fatal(`Failed to start SMTP mock server on port: ${port}`);
  }
  let api: PersonaHttpApi | null = null;
  if (apiAt && persona && capture) {
    const { smtpmockJson, smtpmockRaw } = await import("../../http/smtpmock_json.ts");
    try {
      api = await persona.startPersonaHttpApi({
        ...apiAt,
        store: capture.store,
        messages: { server, toJson: smtpmockJson, raw: smtpmockRaw },
        ...(options.faults && { faults: server.faults }),
      });
    } catch (e) {
      off();
      await server.stop({ force: true });
      if (!(e instanceof ListenError)) throw e;
      const at = hostPort({ hostname: apiAt.host, port: apiAt.port });
      return fatal(`Failed to start HTTP API on ${at}: ${e.message}`);
    }
  }
  // Deviation (b): with a dynamic port, the start line is the only way to learn it.
  if (!log && port === 0) {
    io.stdout(goLogLine("INFO", `SMTP mock server started on port: ${server.port}`));
  }
  if (api) io.stdout(goLogLine("INFO", `HTTP API listening on ${api.url}/api/messages`));
  await stopSignal;
  await server.stop();
  await api?.close();
  off();
  await flushOutput();
  return 0;
}
