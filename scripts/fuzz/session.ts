/**
 * Plays a {@link Plan} over a channel — a TCP connection to a daemon or the stdin/stdout of an
 * inetd process — always reading what the server sends, and classifies how it ended. Every wait
 * is for an event (reply bytes, close, write done) with a deadline, so a session cannot hang
 * the fuzzer: past its deadline it is dropped and reported as a hang.
 */
import type { ChildProcess } from "node:child_process";
import net from "node:net";
import type { Plan } from "./plan.ts";

/** A bidirectional byte pipe to one server session. */
export interface Channel {
  /** Resolves once written (or the channel is gone); never rejects. */
  write(bytes: Uint8Array): Promise<void>;
  /** Half close: the server sees end of input, we keep reading. */
  end(): void;
  /** Drops the session at once; `reset` asks for a TCP RST where the runtime can send one. */
  abort(reset: boolean): void;
  /** Bytes received so far. */
  readonly received: number;
  /** True once the server closed (socket closed, or process exited). */
  readonly closed: boolean;
  /** Resolves on the next received chunk or on the close. */
  changed(): Promise<void>;
  /** Resolves when the session is over on the server's side. */
  done: Promise<void>;
  /** A network error seen on the channel (e.g. ECONNRESET), if any. */
  error?: string;
}

class Waiters {
  #list: Array<() => void> = [];
  wait(): Promise<void> {
    return new Promise((r) => this.#list.push(r));
  }
  wake(): void {
    for (const w of this.#list.splice(0)) w();
  }
}

/** A TCP connection to 127.0.0.1:`port`; rejects if it cannot connect. */
export function tcpChannel(port: number): Promise<Channel> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const waiters = new Waiters();
    let received = 0;
    let closed = false;
    let resolveDone!: () => void;
    const ch: Channel = {
      write: (bytes) =>
        new Promise((r) => {
          if (socket.destroyed || socket.writableEnded) return r();
          socket.write(bytes, () => r());
        }),
      end: () => socket.end(),
      abort: (reset) => {
        const s = socket as net.Socket & { resetAndDestroy?: () => void };
        if (reset && typeof s.resetAndDestroy === "function") s.resetAndDestroy();
        else socket.destroy();
      },
      get received() {
        return received;
      },
      get closed() {
        return closed;
      },
      changed: () => waiters.wait(),
      done: new Promise((r) => resolveDone = r),
    };
    socket.on("data", (d: Uint8Array) => {
      received += d.length;
      waiters.wake();
    });
    socket.on("error", (e: NodeJS.ErrnoException) => {
      ch.error = e.code ?? e.message;
      if (!connected) reject(e);
    });
    socket.on("close", () => {
      closed = true;
      waiters.wake();
      resolveDone();
    });
    let connected = false;
    socket.on("connect", () => {
      connected = true;
      resolve(ch);
    });
  });
}

/** The stdin/stdout of an inetd-mode child; `done` waits for the process to exit. */
export function stdioChannel(child: ChildProcess): Channel {
  const waiters = new Waiters();
  let received = 0;
  let closed = false;
  const stdin = child.stdin!;
  stdin.on("error", () => {}); // EPIPE once the server has exited: expected
  const done = new Promise<void>((r) =>
    child.on("close", () => {
      closed = true;
      waiters.wake();
      r();
    })
  );
  child.stdout!.on("data", (d: Uint8Array) => {
    received += d.length;
    waiters.wake();
  });
  return {
    write: (bytes) =>
      new Promise((r) => {
        if (stdin.destroyed || stdin.writableEnded) return r();
        stdin.write(bytes, () => r());
      }),
    end: () => stdin.end(),
    abort: () => {
      // The server's next reply hits a closed pipe, its next read sees end of input.
      child.stdout!.destroy();
      stdin.destroy();
    },
    get received() {
      return received;
    },
    get closed() {
      return closed;
    },
    changed: () => waiters.wait(),
    done,
  };
}

export interface Outcome {
  /** `ok`: over in time; `hang`: the server neither closed nor ended within the deadline. */
  kind: "ok" | "hang";
  bytesOut: number;
  bytesIn: number;
  /** Where a hang happened: writing (server stopped reading) or waiting for the close. */
  phase?: string;
  error?: string;
}

const timeout = (ms: number) =>
  new Promise<"timeout">((r) => {
    const t = setTimeout(() => r("timeout"), ms);
    (t as { unref?: () => void }).unref?.();
  });

/** How long an interactive write waits for any reply before sending on regardless. */
const REPLY_WAIT_MS = 200;

/**
 * Plays `plan` on `ch`. `beforeEnd` runs just before the client ends (used to sample an inetd
 * process's memory while it still runs). The whole session must be over within `deadlineMs`.
 */
export async function playPlan(
  ch: Channel,
  plan: Plan,
  deadlineMs: number,
  beforeEnd?: () => void,
): Promise<Outcome> {
  let bytesOut = 0;
  let phase = "writing";
  const script = async () => {
    for (const [i, w] of plan.writes.entries()) {
      if (ch.closed) break;
      if (plan.ending === "cut" && i === plan.cutAfter) break;
      const before = ch.received;
      await ch.write(w.bytes);
      bytesOut += w.bytes.length;
      if (w.waitReply) {
        const deadline = timeout(REPLY_WAIT_MS);
        while (ch.received === before && !ch.closed) {
          if (await Promise.race([ch.changed(), deadline]) === "timeout") break;
        }
      }
    }
    beforeEnd?.();
    phase = "waiting for the server to close";
    if (plan.ending === "quit" || plan.ending === "half") ch.end();
    else ch.abort(plan.ending === "reset");
    await ch.done;
  };
  const result = await Promise.race([script(), timeout(deadlineMs)]);
  if (result === "timeout") {
    ch.abort(false);
    return { kind: "hang", bytesOut, bytesIn: ch.received, phase, error: ch.error };
  }
  return { kind: "ok", bytesOut, bytesIn: ch.received, error: ch.error };
}
