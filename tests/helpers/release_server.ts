/**
 * A loopback HTTP server shaped like a GitHub releases page, for testing `scripts/install.sh`
 * and the GitHub Action without the internet.
 *
 * Routes (everything else is 404):
 * - `GET /releases/download/v<version>/<asset>`: the asset bytes;
 * - `GET /releases/latest/download/<asset>`: 302 to the versioned URL, as GitHub does.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** One file of the fake release. */
export interface FakeAsset {
  /** File name, e.g. `mocksmtp-linux-x86_64` or `SHA256SUMS`. */
  name: string;
  /** File content. */
  body: string | Uint8Array;
}

/** What the fake release contains. */
export interface ReleaseServerOptions {
  /** Release version without the leading `v`, e.g. `2.6.0`. */
  version: string;
  /** Binaries (and anything else) to publish. */
  assets: FakeAsset[];
  /**
   * Text served as `SHA256SUMS`; by default the correct sums of `assets`. Pass something else to
   * simulate a mismatch, or `null` to publish no checksum file at all.
   */
  sums?: string | null;
}

/** A running fake release server. */
export interface ReleaseServer {
  /** `http://127.0.0.1:<port>/releases/download`: the shape of GitHub's download base URL. */
  baseUrl: string;
  /** Request paths seen so far, in arrival order. */
  requests: string[];
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** Lower-case hex SHA-256 of `data`. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** A `SHA256SUMS` file for `assets`, in the two-space format `sha256sum` prints. */
export function sha256Sums(assets: FakeAsset[]): string {
  return assets.map((a) => `${sha256Hex(a.body)}  ${a.name}\n`).join("");
}

/** Starts the fake release server on 127.0.0.1 with an OS-assigned port. */
export async function startReleaseServer(options: ReleaseServerOptions): Promise<ReleaseServer> {
  const files = new Map<string, string | Uint8Array>();
  for (const asset of options.assets) files.set(asset.name, asset.body);
  const sums = options.sums === undefined ? sha256Sums(options.assets) : options.sums;
  if (sums !== null) files.set("SHA256SUMS", sums);

  const versioned = `/releases/download/v${options.version}/`;
  const latest = "/releases/latest/download/";
  const requests: string[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    requests.push(path);
    res.setHeader("connection", "close");
    if (path.startsWith(latest) && files.has(path.slice(latest.length))) {
      res.writeHead(302, { location: versioned + path.slice(latest.length) });
      res.end();
      return;
    }
    const body = path.startsWith(versioned) ? files.get(path.slice(versioned.length)) : undefined;
    if (body === undefined) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("Not Found");
      return;
    }
    res.writeHead(200, {
      "content-type": "application/octet-stream",
      "content-length": String(typeof body === "string" ? Buffer.byteLength(body) : body.length),
    });
    res.end(body);
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/releases/download`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
