/**
 * The STARTTLS seam shared by the `node:stream` transports: runs the server side of a TLS
 * handshake over any duplex (a `net.Socket`, or stdin+stdout) with `node:tls`, which both Deno
 * and Bun implement, and wraps the result as a {@link Conn}.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import type { Duplex } from "node:stream";
import * as tls from "node:tls";
import { endThenDestroy, StreamConn } from "./stream_conn.ts";
import type { TlsSession } from "../smtp/wire.ts";
import type { Address, Conn, TlsOptions } from "./types.ts";
import { errorMessage } from "./errno.ts";

/** What the handshake established (the session facts a record carries, and more). */
export interface TlsInfo extends TlsSession {
  /** Negotiated protocol version, e.g. `"TLSv1.3"`. */
  protocol: string | null;
  /**
   * The client presented a certificate that verified against {@link TlsOptions.ca}. Always
   * `false` without `ca`: then no certificate is requested.
   */
  authorized: boolean;
  /**
   * Why not authorized, when a certificate was requested: the runtime's verification code
   * (e.g. `DEPTH_ZERO_SELF_SIGNED_CERT`) or `NO_CLIENT_CERTIFICATE`; `null` otherwise.
   */
  authorizationError: string | null;
}

/** A {@link Conn} protected by TLS; {@link TlsConn.tls} tells what was negotiated. */
export interface TlsConn extends Conn {
  readonly tls: TlsInfo;
}

/** The TLS handshake did not complete; only the connection it ran on is closed. */
export class TlsHandshakeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TlsHandshakeError";
  }
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Checks the PEM material with `node:crypto`: the certificate (the first one, if a chain) and
 * the key parse, the key belongs to the certificate, and every certificate of the CA bundle
 * parses. Throws an Error saying which part is unusable. Needed because Deno 2.9's
 * `createSecureContext` accepts anything and would only fail the first handshake (Bun throws
 * there, with less telling messages).
 */
export function validateTlsOptions(options: TlsOptions): void {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(options.cert);
  } catch (e) {
    throw new Error(`TLS certificate unusable: ${errorMessage(e)}`);
  }
  let key;
  try {
    key = createPrivateKey(options.key);
  } catch (e) {
    throw new Error(`TLS private key unusable: ${errorMessage(e)}`);
  }
  if (!cert.checkPrivateKey(key)) {
    throw new Error("TLS private key does not belong to the certificate");
  }
  if (options.ca === undefined) return;
  const blocks = options.ca.match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw new Error("TLS CA bundle unusable: no PEM certificate found");
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (e) {
      throw new Error(`TLS CA bundle unusable: ${errorMessage(e)}`);
    }
  }
}

const contexts = new WeakMap<TlsOptions, tls.SecureContext>();

/**
 * The secure context for `options`, built once per options object after
 * {@link validateTlsOptions} (whose Error it throws for unusable material).
 */
export function secureContextFor(options: TlsOptions): tls.SecureContext {
  let context = contexts.get(options);
  if (!context) {
    validateTlsOptions(options);
    context = tls.createSecureContext({ cert: options.cert, key: options.key, ca: options.ca });
    contexts.set(options, context);
  }
  return context;
}

/**
 * Runs the server side of a TLS handshake over `transport` and resolves with the protected
 * conn once it completed. On failure (garbage instead of a ClientHello, peer gone) it destroys
 * `transport` and rejects with {@link TlsHandshakeError}.
 *
 * With {@link TlsOptions.ca}, a client certificate is requested but not required (as GnuTLS
 * does by default); whether one was presented and verified is reported in {@link TlsConn.tls}.
 */
export function serverTls(
  transport: Duplex,
  options: TlsOptions,
  addresses: { remote: Address; local: Address },
): Promise<TlsConn> {
  let socket: tls.TLSSocket;
  try {
    socket = new tls.TLSSocket(transport as ConstructorParameters<typeof tls.TLSSocket>[0], {
      isServer: true,
      secureContext: secureContextFor(options),
      requestCert: options.ca !== undefined,
      rejectUnauthorized: false,
    });
  } catch (err) {
    transport.destroy();
    return Promise.reject(new TlsHandshakeError(String((err as Error)?.message ?? err)));
  }
  // Deno's node:tls only reads from a server TLSSocket once its internal `_start()` ran. Deno
  // 2.9.6 schedules that itself for a connected transport, but other 2.9 builds were seen not to
  // (the handshake then never starts), so call it; a second call was harmless on 2.9.6 in our
  // tests. Bun's `_start` is an empty function; Node has none for server sockets.
  const start = (socket as { _start?: () => void })._start;
  if (typeof start === "function") start.call(socket);

  return new Promise((resolve, reject) => {
    const done = () => {
      socket.off("secure", onSecure);
      socket.off("error", onError);
      socket.off("close", onClose);
      socket.off("end", onClose);
      transport.off("end", onClose);
    };
    const onSecure = () => {
      done();
      const info = describe(socket, options.ca !== undefined);
      const conn = new StreamConn({
        input: socket,
        output: socket,
        ...addresses,
        close: () => endThenDestroy(socket),
      });
      resolve(Object.assign(conn, { tls: info }));
    };
    const onError = (err: Error) => fail(err.message);
    const onClose = () => fail("connection closed during TLS handshake");
    const fail = (message: string) => {
      done();
      socket.on("error", () => {}); // late errors from the dying socket are of no interest
      socket.destroy();
      transport.destroy();
      reject(new TlsHandshakeError(message));
    };
    socket.on("secure", onSecure);
    socket.on("error", onError);
    socket.on("close", onClose);
    // A client that stopped sending cannot finish the handshake. The listener keeps sockets
    // half-open (node.ts), so on Deno no 'close' follows its FIN (Deno reports the FIN as the
    // TLS socket's 'end'): without these the handshake would wait forever.
    socket.on("end", onClose);
    transport.on("end", onClose);
  });
}

/** Reads the handshake outcome, smoothing over where each runtime reports client-cert checks. */
function describe(socket: tls.TLSSocket, requested: boolean): TlsInfo {
  const info = { ...sessionFacts(socket), authorized: false, authorizationError: null };
  if (!requested) return info;
  if (socket.authorized) return { ...info, authorized: true };
  const peer = socket.getPeerCertificate();
  if (!peer || Object.keys(peer).length === 0) {
    return { ...info, authorizationError: "NO_CLIENT_CERTIFICATE" };
  }
  if (socket.authorizationError) {
    return { ...info, authorizationError: String(socket.authorizationError) };
  }
  // Bun fills in `authorized` itself. Deno (like Node, where only tls.Server does it) leaves it
  // false on a bare server TLSSocket, so ask the handle for the verification result.
  const handle = (socket as { _handle?: { verifyError?: () => unknown } })._handle;
  if (typeof handle?.verifyError !== "function") {
    return { ...info, authorizationError: "UNVERIFIED" };
  }
  const err = handle.verifyError() as { code?: string; message?: string } | null | undefined;
  if (!err) return { ...info, authorized: true };
  return { ...info, authorizationError: err.code ?? err.message ?? "UNKNOWN" };
}

/** Version, cipher and SNI name of an established session (`"unknown"` where not told). */
function sessionFacts(socket: tls.TLSSocket): Pick<TlsInfo, keyof TlsSession | "protocol"> {
  const protocol = socket.getProtocol() ?? null;
  const cipher = socket.getCipher()?.name ?? "unknown";
  // A server socket's `servername` is the client's SNI name, or false/undefined without one.
  const servername = (socket as { servername?: unknown }).servername;
  return {
    protocol,
    version: protocol ?? "unknown",
    cipher,
    ...(typeof servername === "string" && servername !== "" && { servername }),
  };
}
