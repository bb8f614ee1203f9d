/**
 * inetd mode (spec §2): one session on stdin/stdout, logs on stderr, exit status from how the
 * session ended: 0 after QUIT or end of input, 2 on the idle timeout, 1 on failure.
 */
import { onStopSignals } from "../../cli/io.ts";
import type { TlsOptions } from "../../net/types.ts";
import { Server } from "../../server.ts";
import { MboxSink } from "../../sinks/mbox.ts";
import type { SessionEnd } from "../../smtp/mockmta/config.ts";
import { mockmtaEngine } from "../../smtp/mockmta/session.ts";
import type { LogFn } from "../../smtp/session.ts";
import type { MockmtaCli } from "./flags.ts";
import type { FaultRules } from "../../faults/rules.ts";
import { cloneLint } from "../../api/lint.ts";

/** Exit status for each way a session can end. */
export const INETD_EXIT: Record<SessionEnd, number> = {
  quit: 0,
  eof: 0,
  timeout: 2,
  "tls-failed": 1,
  closed: 1,
};

/** Serves the session on stdin/stdout; resolves with the exit status. */
export async function runInetd(
  cli: MockmtaCli,
  tls: TlsOptions | undefined,
  log: LogFn,
  faults?: FaultRules,
): Promise<number> {
  const sink = new MboxSink(cli.mailbox);
  let count = 0;
  let end: SessionEnd = "closed";
  let signalled = false;
  const lint = await cloneLint(cli.lint, log);
  const engine = mockmtaEngine({ idleTimeoutMs: (cli.timeout ?? 0) * 1000 }, {
    deliver: (m) => sink.deliver(lint ? lint.tag(m) : m),
    nextMessageNumber: () => ++count,
    now: () => new Date(),
    ended: (e) => end = e,
    ...(faults && { attach: (c) => faults.attach(c) }),
    ...(lint && {
      attach: (c) => {
        faults?.attach(c);
        lint.attach(c);
      },
    }),
  });
  const session = await Server.inetd({ engine, log, tls });
  // A signal ends the session as if the client had left: a delivery under way is finished.
  const off = onStopSignals(["SIGINT", "SIGTERM"], () => {
    signalled = true;
    session.hangUp();
  });
  try {
    await session.ended;
  } finally {
    off();
  }
  return signalled ? 0 : INETD_EXIT[end];
}
