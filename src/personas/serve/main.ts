/**
 * `mocksmtp serve` (and plain `mocksmtp`): flags → options → a running {@link ServeServer},
 * one start line naming the SMTP and HTTP addresses and the CA file, until SIGINT or SIGTERM.
 */
import { flushOutput, onStopSignals, type ProgramIO } from "../../cli/io.ts";
import { ListenError } from "../../net/types.ts";
import type { LogLevel } from "../../smtp/session.ts";
import type { ServeServer } from "../../api/serve.ts";
import { parseServeArgs, type ServeSettings } from "./flags.ts";
import { FileArgumentError, serveOptions } from "./options.ts";
import { EXIT, SERVE_HELP, SERVE_VERSION } from "./texts.ts";

/** `host:port`, with brackets around an IPv6 host. */
function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The one start line: where SMTP and HTTP listen and which CA to trust. */
export function startLine(server: ServeServer, s: ServeSettings): string {
  const smtp = `SMTP on ${hostPort(server.hostname, server.port)}${
    s.implicitTls ? " (implicit TLS)" : ""
  }`;
  const smtps = server.smtpsPort ? `, SMTPS on ${hostPort(s.smtps!.host, server.smtpsPort)}` : "";
  const http = server.url ? `, HTTP on ${server.url}` : "";
  const ca = server.caFile ? `, CA ${server.caFile}` : "";
  return `mocksmtp serve: ${smtp}${smtps}${http}${ca}\n`;
}

/** Runs the persona; resolves with the exit status. */
export async function serveMain(argv: string[], io: ProgramIO): Promise<number> {
  // The server's modules load while the command line is read (unused after a usage error).
  const serveModule = import("../../api/serve.ts");
  serveModule.catch(() => {}); // a failure is reported where it is awaited
  const parsed = parseServeArgs(argv);
  if (!parsed.ok) {
    io.stderr(`mocksmtp serve: ${parsed.error} (try: mocksmtp serve --help)\n`);
    return EXIT.usage;
  }
  const s = parsed.settings;
  if (s.help || s.version) {
    io.stdout(s.help ? SERVE_HELP : SERVE_VERSION);
    await flushOutput();
    return EXIT.ok;
  }
  let options;
  try {
    options = await serveOptions(s);
    if (s.faultSources.length > 0) {
      const { loadFaultRules } = await import("../../api/faults.ts");
      options.faults = await loadFaultRules(s.faultSources, s.faultSeed);
    }
  } catch (e) {
    if (!(e instanceof FileArgumentError) && (e as Error).name !== "FaultSourceError") throw e;
    io.stderr(`mocksmtp serve: ${(e as Error).message}\n`);
    return EXIT.usage;
  }
  const log = (level: LogLevel, message: string) => {
    if (level === "debug" || (s.quiet && level !== "err" && level !== "crit")) return;
    io.stderr(`mocksmtp serve: ${message}\n`);
  };
  // Handlers first: a signal while starting (or right after the start line) still stops cleanly;
  // while starting, the start gives up (minting, loading) and the program exits at once.
  let stopRequested!: () => void;
  const stop = new Promise<void>((resolve) => stopRequested = resolve);
  const starting = new AbortController();
  const off = onStopSignals(["SIGINT", "SIGTERM"], () => {
    starting.abort();
    stopRequested();
  });
  let server: ServeServer;
  try {
    const { ServeServer } = await serveModule;
    server = await ServeServer.start({ ...options, log, signal: starting.signal });
  } catch (e) {
    off();
    if (starting.signal.aborted) return EXIT.ok;
    const message = (e as Error).message;
    io.stderr(`mocksmtp serve: ${e instanceof ListenError ? "cannot listen: " : ""}${message}\n`);
    await flushOutput();
    // Key material that does not parse is the user's file: a usage error like a missing one.
    return e instanceof ListenError || !/^TLS /.test(message) ? EXIT.runtime : EXIT.usage;
  }
  if (!s.quiet) {
    server.store.subscribe((event) => {
      if (event.type !== "new") return;
      const m = event.message.message;
      io.stdout(
        `message ${event.message.id} from <${m.from}> to ${m.to.map((t) => `<${t}>`).join(",")}` +
          ` (${m.data.length} bytes)\n`,
      );
    });
  }
  io.stdout(startLine(server, s));
  await stop;
  await server.stop({ timeoutMs: 2000 });
  off();
  // Issue 13: on exit, the findings of the whole run per id (not with --quiet).
  if (server.linter && !s.quiet) {
    const { totalsLine } = await import("../../lint/linter.ts");
    io.stderr(`mocksmtp serve: ${totalsLine(server.linter.totals())}\n`);
  }
  await flushOutput();
  return EXIT.ok;
}
