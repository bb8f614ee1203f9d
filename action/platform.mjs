// @ts-check
/**
 * Which release asset fits a runner, and where releases live.
 *
 * Asset names (shared with scripts/compile.sh and scripts/install.sh):
 * `mocksmtp-<os>-<arch>[.exe]`, os in linux|macos|windows, arch in x86_64|aarch64.
 * @module
 */
import process from "node:process";

/** Repository whose releases are used when neither `base-url` nor the runner names one. */
export const DEFAULT_REPO = "mocksmtp/mocksmtp";

/** @type {Record<string, string>} RUNNER_OS → asset os */
const OS_NAMES = { Linux: "linux", macOS: "macos", Windows: "windows" };
/** @type {Record<string, string>} RUNNER_ARCH → asset arch */
const ARCH_NAMES = { X64: "x86_64", ARM64: "aarch64" };
/** @type {Record<string, string>} process.platform → RUNNER_OS, for runs outside a runner */
const NODE_OS = { linux: "Linux", darwin: "macOS", win32: "Windows" };
/** @type {Record<string, string>} process.arch → RUNNER_ARCH */
const NODE_ARCH = { x64: "X64", arm64: "ARM64" };

const PUBLISHED = new Set([
  "linux-x86_64",
  "linux-aarch64",
  "macos-x86_64",
  "macos-aarch64",
  "windows-x86_64",
]);

/**
 * @typedef {object} RunnerAsset
 * @property {string} asset release file name, e.g. `mocksmtp-windows-x86_64.exe`
 * @property {string} key `<os>-<arch>`, used as the cache sub-directory
 */

/**
 * The asset for a runner OS/arch (`RUNNER_OS`/`RUNNER_ARCH` spelling; defaults to this machine).
 * @param {string | undefined} runnerOs e.g. `Linux`, `macOS`, `Windows`
 * @param {string | undefined} runnerArch e.g. `X64`, `ARM64`
 * @returns {RunnerAsset}
 */
export function assetFor(runnerOs, runnerArch) {
  const osName = runnerOs || NODE_OS[process.platform] || process.platform;
  const archName = runnerArch || NODE_ARCH[process.arch] || process.arch;
  const key = `${OS_NAMES[osName]}-${ARCH_NAMES[archName]}`;
  if (!PUBLISHED.has(key)) {
    throw new Error(
      `no mocksmtp binary for runner ${osName}/${archName} ` +
        "(published: Linux and macOS on X64/ARM64, Windows on X64)",
    );
  }
  return { asset: `mocksmtp-${key}${key.startsWith("windows") ? ".exe" : ""}`, key };
}

/**
 * The default download base: the releases of the repository the action was taken from.
 * @returns {string}
 */
export function defaultBaseUrl() {
  const repo = process.env.GITHUB_ACTION_REPOSITORY || DEFAULT_REPO;
  return `https://github.com/${repo}/releases/download`;
}

/**
 * `latest` or a version without its leading `v`.
 * @param {string} version
 * @returns {string}
 */
export function normalizeVersion(version) {
  const v = version.trim().replace(/^v/, "");
  if (v !== "latest" && !/^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/.test(v)) {
    throw new Error(`version must be "latest" or X.Y.Z, got "${version}"`);
  }
  return v;
}

/**
 * The directory URL holding a release's assets. GitHub serves a version at `BASE/vX.Y.Z/` and
 * the newest one at `…/releases/latest/download/`; a mirror whose base does not end in
 * `/download` serves the newest at `BASE/latest/` (same rule as scripts/install.sh).
 * @param {string} baseUrl e.g. `https://github.com/OWNER/mocksmtp/releases/download`
 * @param {string} version normalised version (see {@link normalizeVersion})
 * @returns {string}
 */
export function releaseDirUrl(baseUrl, version) {
  const base = baseUrl.replace(/\/+$/, "");
  if (version !== "latest") return `${base}/v${version}`;
  return base.endsWith("/download")
    ? `${base.slice(0, -"/download".length)}/latest/download`
    : `${base}/latest`;
}
