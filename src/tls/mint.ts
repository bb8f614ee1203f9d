/**
 * A throwaway certificate authority and a server certificate it signed, made at start so that a
 * client can trust exactly this run (its CA file) instead of turning verification off.
 * ECDSA P-256 keys through WebCrypto (fast to generate; every TLS stack accepts them), X.509 by
 * `@peculiar/x509`, which is loaded only here: the clones never pay for it.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

/** The names every minted leaf carries; callers add their own. */
export const DEFAULT_TLS_NAMES: readonly string[] = ["localhost", "127.0.0.1", "::1"];

/** PEM texts of one minted CA and the leaf it signed. */
export interface MintedTls {
  /** The CA certificate: what a client is told to trust. */
  caPem: string;
  /** The leaf certificate followed by the CA (the chain the server presents). */
  cert: string;
  /** The leaf's private key (PKCS #8). */
  key: string;
}

const ECDSA: EcKeyGenParams = { name: "ECDSA", namedCurve: "P-256" };
const SIGNING = { name: "ECDSA", hash: "SHA-256" };
const DAY_MS = 86_400_000;

/** A name is an IP address literal (v4 dotted quad or anything with a colon). */
function isIpLiteral(name: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(":");
}

function keyPem(der: ArrayBuffer): string {
  return x509.PemConverter.encode(der, "PRIVATE KEY") + "\n";
}

/**
 * Mints a CA and a leaf for `localhost`, `127.0.0.1`, `::1` and `names` (valid from a day ago,
 * so clocks a little behind still accept it, for 30 days: long enough for any test run).
 */
export async function mintTls(
  names: readonly string[] = [],
  now: Date = new Date(),
): Promise<MintedTls> {
  const crypto = globalThis.crypto;
  const [caKeys, leafKeys] = await Promise.all([
    crypto.subtle.generateKey(ECDSA, true, ["sign", "verify"]),
    crypto.subtle.generateKey(ECDSA, true, ["sign", "verify"]),
  ]);
  const notBefore = new Date(now.getTime() - DAY_MS);
  const notAfter = new Date(now.getTime() + 30 * DAY_MS);
  // A unique subject per run: a client that cached another run's CA does not confuse the two.
  const tag = Array.from(
    crypto.getRandomValues(new Uint8Array(6)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  const caName = `CN=mocksmtp throwaway CA ${tag}, O=mocksmtp`;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: caName,
    keys: caKeys,
    notBefore,
    notAfter,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const all = [...new Set([...DEFAULT_TLS_NAMES, ...names])];
  const leaf = await x509.X509CertificateGenerator.create({
    subject: "CN=localhost",
    issuer: ca.subject,
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    notBefore,
    notAfter,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        all.map((n): x509.JsonGeneralName => ({ type: isIpLiteral(n) ? "ip" : "dns", value: n })),
      ),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const caPem = ca.toString("pem") + "\n";
  return {
    caPem,
    cert: leaf.toString("pem") + "\n" + caPem,
    key: keyPem(await crypto.subtle.exportKey("pkcs8", leafKeys.privateKey)),
  };
}
