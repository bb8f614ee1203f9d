/**
 * msmtpd's pipe-to-command sink (spec msmtpd.md §6–§8): each message runs `/bin/sh -c` with the
 * command line built from the `--command` template (first `%F` → sender, recipients appended),
 * and gets the Received header plus the LF-terminated body on its stdin. It is started only once
 * the whole message has arrived, so a mail cut off by the client is never piped.
 *
 * The command's stdout goes to /dev/null: in inetd mode our stdout is the SMTP connection, and
 * nothing a command prints may ever reach the client. Its stderr is inherited (msmtp's own error
 * messages stay visible), unless {@link PipeSinkOptions.stderr} says otherwise.
 *
 * What the command line is, what the command is fed and how failures read come from the
 * caller's {@link PipeFormat} (msmtpd's is `MSMTPD_PIPE_FORMAT` in `src/smtp/msmtpd/`), so this
 * sink serves any persona. Shell safety rests on the caller's addresses (msmtpd's whitelist
 * in `src/smtp/msmtpd/address.ts`): nothing inserted may hold a character the shell interprets.
 */
import { spawn } from "node:child_process";
import dns from "node:dns";
import { type Clock, systemClock } from "../smtp/clock.ts";
import type { DeliveryResult, ReceivedMessage, Sink } from "../smtp/message.ts";

/** Reverse-lookup results for the two ends of the connection; absent when there is no name. */
export interface HostNames {
  remote?: string | null;
  local?: string | null;
}

/** How a persona pipes a message to a command, and how it words each failure. */
export interface PipeFormat {
  /** The shell command line for `message`, from the caller's `template`. */
  commandLine(template: string, message: ReceivedMessage): string;
  /** The bytes fed to the command, in parts (a big message is never copied whole). */
  input(message: ReceivedMessage, names: HostNames): Iterable<Uint8Array>;
  /** Failure reasons: the command could not start, not be fed, or was killed by a signal. */
  cannotStart: string;
  cannotPipe: string;
  failedToExecute: string;
  /** Whether a non-zero exit status is a temporary failure. */
  isTemporaryExit(status: number): boolean;
}

/** Options of {@link PipeSink}. */
export interface PipeSinkOptions {
  /** The shell that runs the command line with `-c`; default `/bin/sh` (as `popen`). */
  shell?: string;
  /** The command's stderr: inherited (default) or discarded. */
  stderr?: "inherit" | "ignore";
  /**
   * Host name for an IP address, for the Received header; `null` when it has none. Default:
   * the system resolver (`getnameinfo`, hosts file included). Any lookup is given up (no
   * name) after 5 seconds of {@link PipeSinkOptions.clock}.
   */
  resolveName?: (ip: string) => Promise<string | null>;
  /** The clock of the lookups' 5-second cap; default the system clock. */
  clock?: Clock;
}

const LOOKUP_TIMEOUT_MS = 5000;

/**
 * Reverse lookup through getnameinfo; only a real name counts, never the address echoed. An
 * IPv4-mapped IPv6 address gets no name, as with msmtpd on glibc (observed `[::ffff:127.0.0.1]`
 * without `localhost`); Bun's resolver would otherwise find one.
 */
export function systemResolveName(ip: string): Promise<string | null> {
  if (ip === "" || /^::ffff:/i.test(ip)) return Promise.resolve(null);
  return dns.promises.lookupService(ip, 0).then(
    ({ hostname }) => (hostname && hostname !== ip ? hostname : null),
    () => null,
  );
}

/** `lookup`'s name, or none once it has taken {@link LOOKUP_TIMEOUT_MS} of `clock` (or failed). */
function cappedLookup(lookup: Promise<string | null>, clock: Clock): Promise<string | null> {
  let timer: unknown;
  const timeout = new Promise<null>((resolve) => {
    timer = clock.setTimeout(() => resolve(null), LOOKUP_TIMEOUT_MS);
  });
  return Promise.race([lookup.catch(() => null), timeout])
    .finally(() => clock.clearTimeout(timer));
}

type Failure = Extract<DeliveryResult, { ok: false }>;

function failure(reason: string, extra: Partial<Omit<Failure, "ok" | "reason">> = {}): Failure {
  return { ok: false, temporary: false, reason, ...extra };
}

/** Runs the pipe command for each message and reports its outcome as msmtpd would (§8). */
export class PipeSink implements Sink {
  readonly #options: PipeSinkOptions;

  readonly #format: PipeFormat;

  /**
   * @param command the command template, e.g. msmtpd's `msmtp -f %F --`.
   * @param format how the persona builds the command line and input, and words failures.
   */
  constructor(readonly command: string, format: PipeFormat, options: PipeSinkOptions = {}) {
    this.#format = format;
    this.#options = options;
  }

  /** Resolves (never rejects) once the command has exited, or could not be started or fed. */
  async deliver(message: ReceivedMessage): Promise<DeliveryResult> {
    const resolveName = this.#options.resolveName ?? systemResolveName;
    const clock = this.#options.clock ?? systemClock;
    const [remote, local] = await Promise.all([
      cappedLookup(resolveName(message.remoteAddress.hostname), clock),
      cappedLookup(resolveName(message.localAddress.hostname), clock),
    ]);
    const names: HostNames = { remote, local };
    const format = this.#format;
    return runCommand(
      this.#options.shell ?? "/bin/sh",
      format.commandLine(this.command, message),
      format.input(message, names),
      this.#options.stderr ?? "inherit",
      format,
    );
  }
}

/**
 * `sh -c commandLine` fed `input`, one part at a time as the pipe drains (a big mail is never
 * copied whole). The outcome is decided once the command has exited: killed by
 * a signal → failed to execute; input not fully written (EPIPE) → cannot pipe; non-zero exit →
 * reported error N.
 */
function runCommand(
  shell: string,
  commandLine: string,
  input: Iterable<Uint8Array>,
  stderr: "inherit" | "ignore",
  format: PipeFormat,
): Promise<DeliveryResult> {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(shell, ["-c", commandLine], { stdio: ["pipe", "ignore", stderr] });
    } catch {
      return resolve(failure(format.cannotStart));
    }
    let settled = false;
    const settle = (result: DeliveryResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const written = new Promise<boolean>((done) => {
      const stdin = child.stdin!;
      stdin.on("error", () => done(false));
      stdin.on("close", () => done(false)); // after 'finish' when all went well
      stdin.on("finish", () => done(true));
      const parts = input[Symbol.iterator]();
      const pump = (): void => {
        while (!stdin.destroyed) {
          const next = parts.next();
          if (next.done) {
            stdin.end();
            return;
          }
          if (!stdin.write(next.value)) {
            stdin.once("drain", pump);
            return;
          }
        }
      };
      pump();
    });
    child.on("error", () => {
      if (child.pid === undefined) settle(failure(format.cannotStart));
    });
    child.on("exit", async (code, signal) => {
      const ok = await written;
      if (signal !== null || code === null) {
        return settle(failure(format.failedToExecute, { signaled: true }));
      }
      if (!ok) return settle(failure(format.cannotPipe));
      if (code !== 0) {
        return settle(
          failure(`Pipe command reported error ${code}`, {
            exitCode: code,
            temporary: format.isTemporaryExit(code),
          }),
        );
      }
      settle({ ok: true });
    });
  });
}
