/**
 * inetd-style transport: the one connection is stdin (from the peer) + stdout (to the peer),
 * through `node:process`, which Deno and Bun both provide. STARTTLS runs over the same pair.
 */
import process from "node:process";
import { Duplex, type Readable, type Writable } from "node:stream";
import { StreamConn } from "./stream_conn.ts";
import { serverTls } from "./tls.ts";
import type { Address, Conn } from "./types.ts";

/** The peer's address is unknown to an inetd child; report an empty one. */
const NOWHERE: Address = { hostname: "", port: 0 };

/**
 * The conn on stdin/stdout. Create it once per process. `close()` stops reading stdin and ends
 * stdout, so nothing of it keeps the process alive.
 */
export function stdioConn(): Conn {
  const input = process.stdin;
  const output = process.stdout;
  /** Set once STARTTLS began; closing the plain conn then also ends the TLS layer over it. */
  let tlsTransport: Duplex | undefined;
  return new StreamConn({
    input,
    output,
    remote: NOWHERE,
    local: NOWHERE,
    close: () => tlsTransport ? tlsTransport.destroy() : release(input, output),
    startTls: (options) => {
      tlsTransport = pair(input, output);
      return serverTls(tlsTransport, options, { remote: NOWHERE, local: NOWHERE });
    },
  });
}

function release(input: Readable, output: Writable): void {
  input.pause();
  input.destroy();
  // A stream reads ahead even while paused, and destroying it does not cancel that read of
  // fd 0: on Deno 2.9 it stayed pending (and ref'd) until the peer sent more or hung up, so the
  // process could not exit. Unref it: `unref()` on Node/Bun stdin, `_handle.unref()` on Deno.
  const stdin = input as { unref?: () => void; _handle?: { unref?: () => void } };
  if (typeof stdin.unref === "function") stdin.unref();
  else stdin._handle?.unref?.();
  if (!output.writableEnded) output.end();
}

/**
 * One duplex over two one-way streams, for `tls.TLSSocket` to wrap. Reads are pulled (stdin
 * stays paused while TLS has enough buffered); destroying the duplex releases both sides.
 */
function pair(input: Readable, output: Writable): Duplex {
  const onData = (chunk: Uint8Array) => {
    if (!duplex.push(chunk)) input.pause();
  };
  const onEnd = () => duplex.push(null);
  const duplex: Duplex = new Duplex({
    read() {
      input.resume();
    },
    write(chunk, _encoding, callback) {
      output.write(chunk, callback);
    },
    final(callback) {
      output.end(callback);
    },
    destroy(err, callback) {
      input.off("data", onData);
      input.off("end", onEnd);
      release(input, output);
      callback(err);
    },
  });
  input.on("data", onData);
  input.on("end", onEnd);
  // Failures reach the TLS socket on top as a close; an unheard 'error' would kill the process.
  duplex.on("error", () => {});
  return duplex;
}
