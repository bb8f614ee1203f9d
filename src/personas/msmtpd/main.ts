/**
 * `mocksmtp msmtpd`: msmtpd's command line (spec msmtpd.md §1) run as a daemon (§2, one
 * in-process session per connection, at most 16) or as one inetd session on stdin/stdout (§3).
 * Exit status 3 for every startup error; in inetd mode 0 after a clean session, else 1.
 */
import { isIPv4, isIPv6 } from "node:net";
import { MSMTPD_DEFAULT_COMMAND, msmtpdPipeSink, MsmtpdServer } from "../../api/msmtpd.ts";
import { flushOutput, ignoreSignals, onStopSignals, type ProgramIO } from "../../cli/io.ts";
import { strerror } from "../../net/errno.ts";
import { ListenError } from "../../net/types.ts";
import { Server } from "../../server.ts";
import { msmtpdEngine, type SessionStatus } from "../../smtp/msmtpd/session.ts";
import type { LogFn } from "../../smtp/session.ts";
import type { Conversation } from "../../smtp/conversation.ts";
import { openMsmtpdLog } from "./log.ts";
import { type MsmtpdSettings, parseMsmtpdArgs, type PasswordSources } from "./options.ts";
import { systemPasswords } from "./password.ts";
import { helpText, versionText } from "./texts.ts";
import { cloneLint, type LintOption } from "../../api/lint.ts";
import { loadFaultRules } from "../../api/faults.ts";
import type { FaultRules } from "../../faults/rules.ts";

/** LSB init-script status "program is not running": msmtpd's exit for any startup error. */
const EXIT_NOT_RUNNING = 3;

/** Runs the persona; resolves with the exit status. `passwords` is replaceable for tests. */
export async function msmtpdMain(
  argv: string[],
  io: ProgramIO,
  passwords: PasswordSources = systemPasswords,
): Promise<number> {
  const parsed = parseMsmtpdArgs(io.prog, argv, passwords, MSMTPD_DEFAULT_COMMAND);
  if (!parsed.ok) {
    io.stderr(`${parsed.error}\n`);
    return EXIT_NOT_RUNNING;
  }
  const s = parsed.settings;
  if (s.printVersion || s.printHelp) {
    io.stdout(s.printVersion ? versionText() : helpText(MSMTPD_DEFAULT_COMMAND));
    await flushOutput();
    return 0;
  }
  let faults: FaultRules | undefined;
  if (s.faults) {
    try {
      faults = await loadFaultRules(s.faults, s.faultSeed);
    } catch (e) {
      io.stderr(`${io.prog}: ${(e as Error).message}\n`);
      return EXIT_NOT_RUNNING;
    }
  }
  ignoreSignals(["SIGPIPE"]); // a command that stops reading is an error reply, not our death
  const log = openMsmtpdLog(s.log);
  // Extension --lint: session lines go to the log, or to stderr when there is none.
  const lint: LintOption | undefined = s.lint &&
    (s.log.kind === "none"
      ? { onSessionEnd: (summary) => io.stderr(`${io.prog}: ${summary.line}\n`) }
      : true);
  try {
    return s.inetd
      ? await runInetd(s, log.log, faults, lint)
      : await runDaemon(s, log.log, io, faults, lint);
  } finally {
    await log.close();
  }
}

/** One session on stdin/stdout; every AUTH answer is delayed (no memory of failures). */
async function runInetd(
  s: MsmtpdSettings,
  log: LogFn,
  faults?: FaultRules,
  lintOption?: LintOption,
): Promise<number> {
  let status = 1 as SessionStatus;
  const lint = await cloneLint(lintOption, log);
  const engine = msmtpdEngine(
    {
      command: s.command,
      sink: lint ? lint.sink(msmtpdPipeSink(s.command)) : msmtpdPipeSink(s.command),
      auth: s.auth,
      maxMailSize: s.maxMailSize,
      releaseMail: true, // the pipe sink keeps nothing
    },
    {
      authDelay: () => true,
      ended: (st) => status = st,
      ...((faults || lint) && {
        attach: (c: Conversation) => {
          faults?.attach(c);
          lint?.attach(c);
        },
      }),
    },
  );
  // A socket from inetd gives the Received header its addresses; a pipe the empty form (§3).
  const session = await Server.inetd({ engine, log, socketAddresses: true });
  await session.ended;
  return status === 0 ? 0 : 1;
}

/** inet_pton: IPv6 first, then IPv4; host names (and IPv6 zone ids) are not addresses. */
function isNumericAddress(text: string): boolean {
  return (isIPv6(text) && !text.includes("%")) || isIPv4(text);
}

/** `%m` of a failed bind: glibc's text, else the runtime's message without Deno's errno suffix. */
function bindErrorText(e: ListenError): string {
  return strerror(e.code) ?? e.message.replace(/ \(os error \d+\)$/, "");
}

/** Serves until SIGTERM (sessions then finish by themselves) or SIGINT (they are closed). */
async function runDaemon(
  s: MsmtpdSettings,
  log: LogFn,
  io: ProgramIO,
  faults?: FaultRules,
  lint?: LintOption,
): Promise<number> {
  if (!isNumericAddress(s.interface)) {
    io.stderr(`${io.prog}: invalid interface\n`);
    return EXIT_NOT_RUNNING;
  }
  let server: MsmtpdServer;
  try {
    server = await MsmtpdServer.start({
      host: s.interface,
      port: s.port & 0xffff, // htons() of an int
      command: s.command,
      auth: s.auth,
      maxMailSize: s.maxMailSize,
      log,
      keepMessages: false,
      ...(faults && { faults }),
      ...(lint && { lint }),
    });
  } catch (e) {
    if (!(e instanceof ListenError)) throw e;
    io.stderr(`${io.prog}: cannot bind to ${s.interface}:${s.port}: ${bindErrorText(e)}\n`);
    return EXIT_NOT_RUNNING;
  }
  ignoreSignals(["SIGHUP"]);
  const code = await new Promise<number>((resolve) => {
    const off = onStopSignals(["SIGTERM", "SIGINT"], async (signal) => {
      const force = signal === "SIGINT";
      await server.stop({ force });
      off();
      resolve(force ? 130 : 0);
    });
  });
  await flushOutput();
  return code;
}
