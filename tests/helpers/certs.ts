/**
 * Throwaway PKI for TLS tests: a CA, a server certificate for 127.0.0.1/localhost and a client
 * certificate, made with the `openssl` CLI once per process. The PEM text is kept in memory and
 * the temp dir is removed straight away, so tests have nothing to clean up.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** PEM text of the generated material. */
export interface TestCerts {
  /** CA certificate that signed both leaf certificates. */
  ca: string;
  serverCert: string;
  serverKey: string;
  /** Client certificate (extendedKeyUsage clientAuth) signed by {@link TestCerts.ca}. */
  clientCert: string;
  clientKey: string;
  /** A self-signed client certificate the CA knows nothing about. */
  rogueCert: string;
  rogueKey: string;
}

let cached: TestCerts | undefined;

/** Returns the per-process test PKI, generating it on first use. */
export function testCerts(): TestCerts {
  cached ??= generate();
  return cached;
}

// P-256 keys: fast to make and accepted by every TLS stack the runtimes embed.
const NEW_KEY = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2";

function generate(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), "mocksmtp-certs-"));
  // Arguments are space-separated words: file names are fixed and subjects have no spaces.
  const openssl = (args: string) =>
    execFileSync("openssl", args.split(" "), { cwd: dir, stdio: "pipe" });
  const read = (name: string) => readFileSync(join(dir, name), "utf8");
  const signed = (name: string, subject: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(`req ${NEW_KEY} -keyout ${name}.key -out ${name}.csr -subj ${subject}`);
    openssl(
      `x509 -req -in ${name}.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 ` +
        `-out ${name}.pem -extfile ${name}.ext`,
    );
  };
  try {
    openssl(
      `req -x509 ${NEW_KEY} -keyout ca.key -out ca.pem -subj /CN=mocksmtp-test-ca ` +
        "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign",
    );
    signed(
      "server",
      "/CN=localhost",
      "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n" +
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    );
    signed("client", "/CN=mocksmtp-test-client", "extendedKeyUsage=clientAuth\n");
    openssl(`req -x509 ${NEW_KEY} -keyout rogue.key -out rogue.pem -subj /CN=rogue-client`);
    return {
      ca: read("ca.pem"),
      serverCert: read("server.pem"),
      serverKey: read("server.key"),
      clientCert: read("client.pem"),
      clientKey: read("client.key"),
      rogueCert: read("rogue.pem"),
      rogueKey: read("rogue.key"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
