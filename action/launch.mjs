// @ts-check
/**
 * Starting the server in the background and knowing when it is ready.
 * @module
 */
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { connect, createServer } from "node:net";

/**
 * A port that is free right now on `host` (the OS picks it; we release it for the server).
 * @param {string} host
 * @returns {Promise<number>}
 */
export function findFreePort(host) {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `binary args…` detached (its own process group, so the job step can end while it runs)
 * with stdout and stderr appended to `logFile`.
 * @param {string} binary
 * @param {string[]} args
 * @param {string} logFile
 * @returns {Promise<import("node:child_process").ChildProcess & { pid: number }>}
 */
export async function startDetached(binary, args, logFile) {
  const fd = openSync(logFile, "a");
  try {
    const child = spawn(binary, args, {
      detached: true,
      stdio: ["ignore", fd, fd],
      windowsHide: true,
    });
    await new Promise((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
    return /** @type {import("node:child_process").ChildProcess & { pid: number }} */ (child);
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether host:port accepts a TCP connection within `timeoutMs`. When the server greets, the
 * probe says QUIT and waits for the reply, so the server logs a clean session, not an abort.
 * @param {string} host
 * @param {number} port
 * @param {number} timeoutMs
 * @returns {Promise<boolean>}
 */
function probe(host, port, timeoutMs) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let connected = false;
    let lines = 0;
    let quitAfter = 0; // line count when QUIT was sent; 0 = not yet
    const done = () => {
      socket.destroy();
      resolve(connected);
    };
    socket.setTimeout(timeoutMs, done);
    socket.once("connect", () => (connected = true));
    socket.on("data", (data) => {
      lines += data.toString("latin1").split("\n").length - 1;
      if (quitAfter === 0 && lines > 0) {
        quitAfter = lines;
        socket.write("QUIT\r\n");
      } else if (quitAfter > 0 && lines > quitAfter) done();
    });
    socket.once("error", done);
    socket.once("close", done);
  });
}

/**
 * Resolves once host:port accepts a TCP connection; rejects when the child exits first or the
 * deadline passes. Retries every 100 ms: a server's readiness has no event we could await.
 * @param {import("node:child_process").ChildProcess} child
 * @param {string} host
 * @param {number} port
 * @param {number} timeoutMs
 * @returns {Promise<void>}
 */
export async function waitUntilListening(child, host, port, timeoutMs) {
  /** @type {string | undefined} */
  let exited;
  /** @type {() => void} */
  let wake = () => {};
  const onExit = (/** @type {number | null} */ code, /** @type {string | null} */ signal) => {
    exited = signal ? `signal ${signal}` : `status ${code}`;
    wake();
  };
  child.once("exit", onExit);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (exited) throw new Error(`exited (${exited}) before accepting connections`);
      if (await probe(host, port, 1000)) return;
      if (exited) throw new Error(`exited (${exited}) before accepting connections`);
      if (Date.now() >= deadline) {
        throw new Error(`not accepting connections on ${host}:${port} after ${timeoutMs / 1000} s`);
      }
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, 100);
        wake = () => {
          clearTimeout(timer);
          resolve(undefined);
        };
      });
    }
  } finally {
    child.off("exit", onExit);
  }
}
