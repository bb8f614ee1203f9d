/**
 * STARTTLS for the runtimes' own listeners (deno.ts, bun.ts): the server side of TLS runs with
 * `node:tls` over a duplex on the plain connection's bytes, as for inetd's stdin/stdout. Loaded
 * on the first upgrade only, so a listener greets without the Node layers (`node:net`,
 * `node:tls`: on Deno the first `node:` module sets up the compatibility layer, ~18 ms).
 */
import { Duplex } from "node:stream";
import { serverTls, type TlsConn } from "./tls.ts";
import type { Address, TlsOptions } from "./types.ts";

/** The plain connection's bytes, taken over from its conn (which reads nothing from then on). */
export interface RawIO {
  /** Next chunk from the peer, `null` at end of input. Bytes not yet read come first. */
  read(): Promise<Uint8Array | null>;
  write(data: Uint8Array): Promise<void>;
  /** Closes the connection in both directions. */
  close(): void;
}

/**
 * Runs the server side of a TLS handshake over `raw`; see {@link serverTls} (rejects with a
 * `TlsHandshakeError`, the connection closed, when it fails).
 */
export function startTlsOver(
  raw: RawIO,
  options: TlsOptions,
  addresses: { remote: Address; local: Address },
): Promise<TlsConn> {
  return serverTls(conduit(raw), options, addresses);
}

/** A duplex over `raw` for `tls.TLSSocket` to wrap: reads are pulled, one at a time. */
function conduit(raw: RawIO): Duplex {
  let reading = false;
  const duplex: Duplex = new Duplex({
    // The peer's end of input ends ours too, so that the TLS socket on top closes: a client
    // gone during the handshake (or a conn closed under it) must fail it, not leave it pending.
    allowHalfOpen: false,
    read() {
      if (reading) return;
      reading = true;
      raw.read().then((chunk) => {
        reading = false;
        duplex.push(chunk);
      }, (err) => {
        reading = false;
        duplex.destroy(err);
      });
    },
    write(chunk, _encoding, callback) {
      raw.write(chunk).then(() => callback(), callback);
    },
    final(callback) {
      raw.close();
      callback();
    },
    destroy(err, callback) {
      raw.close();
      callback(err);
    },
  });
  // Failures reach the TLS socket on top as a close; an unheard 'error' would kill the process.
  duplex.on("error", () => {});
  return duplex;
}
