/**
 * `-c CERT -k KEY [-a CA]` → key material, checked at start-up. Unusable files are reported
 * once and the server runs without STARTTLS (spec §3.8), as the ancestor did.
 */
import { readFileSync } from "node:fs";
import { secureContextFor } from "../../net/tls.ts";
import type { TlsOptions } from "../../net/types.ts";
import type { MockmtaCli } from "./flags.ts";
import { errorMessage } from "../../net/errno.ts";

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
    secureContextFor(options); // validates the PEM text (validateTlsOptions) on every runtime
  } catch (e) {
    warn(`error reading certificate files: ${errorMessage(e)}`);
    return undefined;
  }
  if (cli.ca === undefined) return options;
  try {
    const withCa = { ...options, ca: readFileSync(cli.ca, "utf8") };
    secureContextFor(withCa);
    return withCa;
  } catch (e) {
    warn(`${cli.ca}: ${errorMessage(e)}`);
    return undefined;
  }
}
