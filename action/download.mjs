// @ts-check
/**
 * Fetches a release binary, verifies it against the release's SHA256SUMS and keeps it in a cache
 * directory. A cached copy is reused only while its hash still matches the published one, so
 * `latest` moving to a new release is noticed.
 * @module
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { chmod, mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";

const SUMS_TIMEOUT_MS = 30_000;
const BINARY_TIMEOUT_MS = 10 * 60_000;

/**
 * GETs `url` (http, https, or file: for a release mirrored on disk), turning every failure into
 * one readable line.
 * @param {string} url
 * @param {number} timeoutMs
 * @returns {Promise<Response>}
 */
async function get(url, timeoutMs) {
  /** @type {Response} */
  let res;
  try {
    res = url.startsWith("file:")
      ? new Response(await readFile(fileURLToPath(url)))
      : await fetch(url, { redirect: "follow", signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const e = /** @type {Error & { cause?: { code?: string, message?: string } }} */ (err);
    throw new Error(`download failed: ${url} (${e.cause?.code ?? e.cause?.message ?? e.message})`);
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new Error(`download failed: ${url} (HTTP ${res.status})`);
  }
  return res;
}

/**
 * The expected hash of `asset` from a SHA256SUMS text (`sha256sum` format, text or binary mode).
 * @param {string} sums
 * @param {string} asset
 * @returns {string | undefined} lower-case hex
 */
export function checksumFor(sums, asset) {
  for (const line of sums.split(/\r?\n/)) {
    const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line.trim());
    if (m && m[2] === asset) return m[1].toLowerCase();
  }
  return undefined;
}

/**
 * Lower-case hex SHA-256 of a file.
 * @param {string} path
 * @returns {Promise<string>}
 */
export async function sha256File(path) {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest("hex");
}

/**
 * @typedef {object} ObtainOptions
 * @property {string} dirUrl release directory URL (see releaseDirUrl)
 * @property {string} asset file name inside it
 * @property {string} cacheDir directory that keeps the verified binary
 */

/**
 * Returns a verified, executable copy of the asset, downloading it unless the cache holds it.
 * @param {ObtainOptions} options
 * @returns {Promise<{ path: string, cached: boolean, sha256: string }>}
 */
export async function obtainBinary({ dirUrl, asset, cacheDir }) {
  const sumsUrl = `${dirUrl}/SHA256SUMS`;
  const sums = await (await get(sumsUrl, SUMS_TIMEOUT_MS)).text();
  const expected = checksumFor(sums, asset);
  if (!expected) throw new Error(`no checksum for ${asset} in ${sumsUrl}`);

  const target = join(cacheDir, asset);
  if (existsSync(target) && (await sha256File(target)) === expected) {
    return { path: target, cached: true, sha256: expected };
  }

  await mkdir(cacheDir, { recursive: true });
  // Download beside the target and rename once verified: no reader ever sees a partial binary.
  const partial = `${target}.${process.pid}.partial`;
  try {
    const res = await get(`${dirUrl}/${asset}`, BINARY_TIMEOUT_MS);
    const hash = createHash("sha256");
    const file = await open(partial, "w");
    try {
      for await (const chunk of /** @type {AsyncIterable<Uint8Array>} */ (res.body)) {
        hash.update(chunk);
        await file.write(chunk);
      }
    } finally {
      await file.close();
    }
    const actual = hash.digest("hex");
    if (actual !== expected) {
      throw new Error(`checksum mismatch for ${asset}: expected ${expected}, got ${actual}`);
    }
    await chmod(partial, 0o755);
    await rename(partial, target);
  } finally {
    await rm(partial, { force: true });
  }
  return { path: target, cached: false, sha256: expected };
}
