/**
 * Where `serve`'s key material comes from: the caller's PEM (checked at once) or a throwaway CA
 * and leaf minted in the background, so the server listens and greets while it is being made.
 */
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateTlsOptions } from "../net/tls.ts";
import type { TlsOptions } from "../net/types.ts";
import type { MintedTls } from "./mint.ts";

/** Key material being made ready; {@link TlsMaterial.ready} settles once it can be used. */
export interface TlsMaterial {
  /** The server's certificate chain and key; rejects when minting or writing the CA failed. */
  readonly ready: Promise<TlsOptions>;
  /** The CA certificate a client should trust; `null` for the caller's own material. */
  readonly caPem: Promise<string | null>;
  /** Where the CA is written (known at once, written by the time `ready` resolves). */
  readonly caFile: string | null;
}

/** Options of {@link tlsMaterial}. */
export type TlsMaterialOptions =
  | { cert: string; key: string }
  | { names?: string[]; caOut?: string | false };

/**
 * {@link mintTls} in a worker (see mint_worker.ts); in this thread where no worker can be
 * started (a compiled binary built without the worker's module, say).
 */
async function mintOffThread(names: string[], signal?: AbortSignal): Promise<MintedTls> {
  signal?.throwIfAborted();
  let worker: Worker;
  try {
    worker = new Worker(new URL("./mint_worker.ts", import.meta.url).href, { type: "module" });
  } catch {
    return (await import("./mint.ts")).mintTls(names);
  }
  const answer = await new Promise<MintedTls | { error: string } | null>((resolve, reject) => {
    // Stopped while minting: the worker goes at once (an exiting process would wait for it).
    const onAbort = () => (worker.terminate(), reject(signal!.reason));
    signal?.addEventListener("abort", onAbort, { once: true });
    const settle = (answer: MintedTls | { error: string } | null) => {
      signal?.removeEventListener("abort", onAbort);
      resolve(answer);
    };
    worker.onmessage = (e) => settle(e.data);
    // The worker's module could not load (not bundled): mint here instead.
    worker.onerror = (e) => (e.preventDefault(), settle(null));
    worker.postMessage(names);
  });
  worker.terminate();
  if (answer === null) return (await import("./mint.ts")).mintTls(names);
  if ("error" in answer) throw new Error(`cannot mint the TLS certificate: ${answer.error}`);
  return answer;
}

/** A CA file name of this run in the OS temp dir: unique, so parallel runs never share one. */
export function defaultCaFile(): string {
  return join(tmpdir(), `mocksmtp-ca-${randomBytes(6).toString("hex")}.pem`);
}

/**
 * Key material for `options`: given PEM is validated now (throws an Error naming the unusable
 * part); otherwise minting starts (its module loaded only then) and the CA is written to
 * `caOut` (default {@link defaultCaFile}; `false` writes nothing). `signal` stops the minting.
 */
export function tlsMaterial(options: TlsMaterialOptions = {}, signal?: AbortSignal): TlsMaterial {
  if ("cert" in options) {
    const given: TlsOptions = { cert: options.cert, key: options.key };
    validateTlsOptions(given);
    return { ready: Promise.resolve(given), caPem: Promise.resolve(null), caFile: null };
  }
  const caFile = options.caOut === false ? null : options.caOut ?? defaultCaFile();
  const minted = mintOffThread(options.names ?? [], signal);
  const written = minted.then(async (m) => {
    // World-readable on purpose: a CA certificate is public; the client may run as another user.
    if (caFile) await writeFile(caFile, m.caPem, { mode: 0o644 });
    return m;
  });
  const ready = written.then((m): TlsOptions => ({ cert: m.cert, key: m.key }));
  // Nobody may be waiting yet: a failure is reported through whoever awaits, not as unhandled.
  ready.catch(() => {});
  const caPem = written.then((m) => m.caPem);
  caPem.catch(() => {});
  return { ready, caPem, caFile };
}
