/**
 * inetd-style transport: the one connection is stdin (from the peer) + stdout (to the peer),
 * through `node:process`, which Deno and Bun both provide. STARTTLS runs over the same pair.
 */
import process from "node:process";
import { Duplex, type Readable, type Writable } from "node:stream";
import { endThenDestroy, StreamConn } from "./stream_conn.ts";
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
  return new StreamConn({
    input,
    output,
    remote: NOWHERE,
    local: NOWHERE,
    close: () => release(input, output),
    startTls: (options) =>
      serverTls(pair(input, output), options, { remote: NOWHERE, local: NOWHERE }),
  });
}

function release(input: Readable, output: Writable): void {
  input.pause();
  // A paused stdin can still hold the event loop (and a pipe read) open; let it go.
  input.destroy();
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
  return duplex;
}
