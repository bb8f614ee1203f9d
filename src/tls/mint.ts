/**
 * A throwaway certificate authority and a server certificate it signed, made at start so that a
 * client can trust exactly this run (its CA file) instead of turning verification off.
 * ECDSA P-256 keys and signatures through WebCrypto (fast to generate; every TLS stack accepts
 * them); the X.509 structure (RFC 5280) written out here with der.ts.
 */
import {
  bits,
  boolean,
  type Der,
  explicit,
  octets,
  oid,
  pem,
  sequence,
  set,
  small,
  time,
  tlv,
  unsigned,
  utf8,
} from "./der.ts";
import { ipBytes, isIpLiteral } from "./ip.ts";

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
const SIGNING: EcdsaParams = { name: "ECDSA", hash: "SHA-256" };
const DAY_MS = 86_400_000;

const ECDSA_WITH_SHA256 = sequence(oid("1.2.840.10045.4.3.2"));
const COMMON_NAME = "2.5.4.3";
const ORGANIZATION = "2.5.4.10";

/** keyUsage BIT STRINGs (named bits, trailing zeros dropped): keyCertSign and cRLSign (bits 5, 6). */
const KEY_CERT_SIGN_CRL_SIGN = tlv(0x03, Uint8Array.of(1, 0x06));
/** digitalSignature (bit 0). */
const DIGITAL_SIGNATURE = tlv(0x03, Uint8Array.of(7, 0x80));

/** A distinguished name of one attribute per RDN, in the order given. */
function name(...attributes: [string, string][]): Der {
  return sequence(...attributes.map(([type, value]) => set(sequence(oid(type), utf8(value)))));
}

function extension(id: string, critical: boolean, value: Der): Der {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octets(value));
}

/** GeneralNames of the subjectAltName: dNSName [2] or iPAddress [7], both IMPLICIT. */
function altNames(names: readonly string[]): Der {
  const te = new TextEncoder();
  return sequence(
    ...names.map((n) => isIpLiteral(n) ? tlv(0x87, ipBytes(n)) : tlv(0x82, te.encode(n))),
  );
}

/** WebCrypto's ECDSA signature (r and s, 32 bytes each) as X.509's Ecdsa-Sig-Value. */
function ecdsaSigValue(raw: ArrayBuffer): Der {
  const rs = new Uint8Array(raw);
  const half = rs.length / 2;
  return sequence(unsigned(rs.subarray(0, half)), unsigned(rs.subarray(half)));
}

interface CertFields {
  issuer: Der;
  subject: Der;
  publicKey: CryptoKey;
  signingKey: CryptoKey;
  notBefore: Date;
  notAfter: Date;
  extensions: Der[];
}

async function certificate(f: CertFields): Promise<Der> {
  const crypto = globalThis.crypto;
  // A positive serial of 127 random bits (RFC 5280: unique per CA, at most 20 octets).
  const serial = crypto.getRandomValues(new Uint8Array(16));
  serial[0] = (serial[0] & 0x7f) | 0x40;
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", f.publicKey));
  const tbs = sequence(
    explicit(0, small(2)), // v3
    unsigned(serial),
    ECDSA_WITH_SHA256,
    f.issuer,
    sequence(time(f.notBefore), time(f.notAfter)),
    f.subject,
    spki,
    explicit(3, sequence(...f.extensions)),
  );
  const signature = await crypto.subtle.sign(SIGNING, f.signingKey, tbs);
  return sequence(tbs, ECDSA_WITH_SHA256, bits(ecdsaSigValue(signature)));
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the public key's bits. */
async function keyId(publicKey: CryptoKey): Promise<Der> {
  const raw = await crypto.subtle.exportKey("raw", publicKey);
  return new Uint8Array(await crypto.subtle.digest("SHA-1", raw));
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
  const all = [...new Set([...DEFAULT_TLS_NAMES, ...names])];
  const san = altNames(all); // an unusable name fails before any key is made
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
  const caName = name([COMMON_NAME, `mocksmtp throwaway CA ${tag}`], [ORGANIZATION, "mocksmtp"]);
  const caKeyId = await keyId(caKeys.publicKey);
  const ca = await certificate({
    issuer: caName,
    subject: caName,
    publicKey: caKeys.publicKey,
    signingKey: caKeys.privateKey,
    notBefore,
    notAfter,
    extensions: [
      extension("2.5.29.19", true, sequence(boolean(true), small(0))), // CA, path length 0
      extension("2.5.29.15", true, KEY_CERT_SIGN_CRL_SIGN),
      extension("2.5.29.14", false, octets(caKeyId)), // subjectKeyIdentifier
    ],
  });
  const leaf = await certificate({
    issuer: caName,
    subject: name([COMMON_NAME, "localhost"]),
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    notBefore,
    notAfter,
    extensions: [
      extension("2.5.29.19", true, sequence()), // not a CA
      extension("2.5.29.15", true, DIGITAL_SIGNATURE),
      extension("2.5.29.37", false, sequence(oid("1.3.6.1.5.5.7.3.1"))), // serverAuth
      extension("2.5.29.17", false, san),
      extension("2.5.29.35", false, sequence(tlv(0x80, caKeyId))), // authorityKeyIdentifier
    ],
  });
  const caPem = pem("CERTIFICATE", ca) + "\n";
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", leafKeys.privateKey));
  return {
    caPem,
    cert: pem("CERTIFICATE", leaf) + "\n" + caPem,
    key: pem("PRIVATE KEY", pkcs8) + "\n",
  };
}
