/**
 * `-c CERT -k KEY [-a CA]` → key material, checked at start-up. Unusable files are reported
 * once and the server runs without STARTTLS (spec §3.8), as the ancestor did.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { secureContextFor } from "../../net/tls.ts";
import type { TlsOptions } from "../../net/types.ts";
import type { MockmtaCli } from "./flags.ts";

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Parses the PEM text itself: Deno's `createSecureContext` accepts anything and would only
 * fail at the first handshake.
 */
function checkKeyPair(cert: string, key: string): void {
  const x509 = new X509Certificate(cert);
  if (!x509.checkPrivateKey(createPrivateKey(key))) {
    throw new Error("the key does not belong to the certificate");
  }
}

function checkCa(ca: string): void {
  const blocks = ca.match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw new Error("no PEM certificate found");
  for (const block of blocks) new X509Certificate(block);
}

/** The TLS options to serve with, or undefined (after telling `warn` why, if it was asked for). */
export function loadTls(
  cli: Pick<MockmtaCli, "cert" | "key" | "ca">,
  warn: (message: string) => void,
): TlsOptions | undefined {
  if (cli.cert === undefined && cli.key === undefined) return undefined;
  if (cli.cert === undefined || cli.key === undefined) {
    warn("STARTTLS disabled: it needs both -c CERT and -k KEY");
    return undefined;
  }
  let options: TlsOptions;
  try {
    options = { cert: readFileSync(cli.cert, "utf8"), key: readFileSync(cli.key, "utf8") };
    checkKeyPair(options.cert, options.key);
    secureContextFor(options);
  } catch (e) {
    warn(`error reading certificate files: ${errorText(e)}`);
    return undefined;
  }
  if (cli.ca === undefined) return options;
  try {
    const withCa = { ...options, ca: readFileSync(cli.ca, "utf8") };
    checkCa(withCa.ca);
    secureContextFor(withCa);
    return withCa;
  } catch (e) {
    warn(`${cli.ca}: ${errorText(e)}`);
    return undefined;
  }
}
