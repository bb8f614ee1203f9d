// scripts/install.sh against a loopback stand-in for the GitHub releases page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, stat } from "node:fs/promises";
import { arch, platform, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { type ProcessResult, runProcess } from "./helpers/process.ts";
import { type FakeAsset, sha256Sums, startReleaseServer } from "./helpers/release_server.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SCRIPT = join(REPO, "scripts", "install.sh");
const VERSION = "2.6.0";
const FAKE_BINARY = `#!/bin/sh\necho "mocksmtp ${VERSION}"\n`;

/** The asset install.sh should pick on this machine, or null where the suite cannot run it. */
function hostAsset(): string | null {
  const os = ({ linux: "linux", darwin: "macos" } as Record<string, string>)[platform()];
  const cpu = ({ x64: "x86_64", arm64: "aarch64" } as Record<string, string>)[arch()];
  return os && cpu ? `mocksmtp-${os}-${cpu}` : null;
}
const ASSET = hostAsset();
// install.sh is POSIX sh; Windows runners are covered by the action tests instead.
const skip = ASSET === null ? "install.sh needs a POSIX host with a published asset" : false;

/** Runs install.sh with `sh` (dash on Debian, so bashisms fail) and collects its output. */
function runInstall(args: string[], env: Record<string, string>): Promise<ProcessResult> {
  return runProcess("sh", [SCRIPT, ...args], { env: { ...process.env, ...env } });
}

/** A scratch area: `bin` (install target, not created) and `stage` (TMPDIR for the script). */
async function scratch(): Promise<{ root: string; bin: string; stage: string }> {
  const root = await mkdtemp(join(tmpdir(), "mocksmtp-install-test-"));
  const stage = join(root, "stage");
  await mkdir(stage);
  return { root, bin: join(root, "bin"), stage };
}

async function withRelease(
  assets: FakeAsset[],
  sums: string | null | undefined,
  body: (
    base: string,
    requests: string[],
    dirs: Awaited<ReturnType<typeof scratch>>,
  ) => Promise<void>,
): Promise<void> {
  const server = await startReleaseServer({ version: VERSION, assets, sums });
  const dirs = await scratch();
  try {
    await body(server.baseUrl, server.requests, dirs);
  } finally {
    await server.close();
    await rm(dirs.root, { recursive: true, force: true });
  }
}

test("install.sh: installs the latest binary with persona links", { skip }, async () => {
  await withRelease([{ name: ASSET!, body: FAKE_BINARY }], undefined, async (base, reqs, d) => {
    const run = await runInstall(["-d", d.bin, "--links"], {
      MOCKSMTP_BASE_URL: base,
      TMPDIR: d.stage,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /installed .*mocksmtp/);
    const installed = join(d.bin, "mocksmtp");
    assert.equal(await readFile(installed, "utf8"), FAKE_BINARY);
    assert.ok(((await stat(installed)).mode & 0o111) !== 0, "binary is executable");
    for (const name of ["smtpmock", "mockmta", "msmtpd"]) {
      assert.equal(await readlink(join(d.bin, name)), "mocksmtp");
    }
    assert.deepEqual((await readdir(d.bin)).sort(), ["mockmta", "mocksmtp", "msmtpd", "smtpmock"]);
    assert.ok(reqs.includes(`/releases/latest/download/${ASSET}`), "latest goes via GitHub's path");
    assert.deepEqual(await readdir(d.stage), [], "staging area cleaned up");
  });
});

test("install.sh: a pinned version installs without links", { skip }, async () => {
  await withRelease([{ name: ASSET!, body: FAKE_BINARY }], undefined, async (base, reqs, d) => {
    const run = await runInstall(["-v", `v${VERSION}`, "-d", d.bin], {
      MOCKSMTP_BASE_URL: base,
      TMPDIR: d.stage,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await readdir(d.bin), ["mocksmtp"]);
    assert.ok(reqs.includes(`/releases/download/v${VERSION}/${ASSET}`));
  });
});

test("install.sh: checksum mismatch installs nothing", { skip }, async () => {
  const published = sha256Sums([{ name: ASSET!, body: "something else" }]);
  await withRelease([{ name: ASSET!, body: FAKE_BINARY }], published, async (base, _r, d) => {
    const run = await runInstall(["-d", d.bin, "--links"], {
      MOCKSMTP_BASE_URL: base,
      TMPDIR: d.stage,
    });
    assert.equal(run.code, 5, run.stderr);
    assert.match(run.stderr, /^install\.sh: error: checksum mismatch for mocksmtp-/);
    assert.equal(run.stderr.trim().split("\n").length, 1, "one-line error");
    assert.equal(existsSync(d.bin), false, "target directory untouched");
    assert.deepEqual(await readdir(d.stage), [], "no temp leftovers");
  });
});

test("install.sh: an asset missing from SHA256SUMS is refused", { skip }, async () => {
  const sums = sha256Sums([{ name: "mocksmtp-other", body: "x" }]);
  await withRelease([{ name: ASSET!, body: FAKE_BINARY }], sums, async (base, _r, d) => {
    await mkdir(d.bin);
    const run = await runInstall(["-d", d.bin], { MOCKSMTP_BASE_URL: base, TMPDIR: d.stage });
    assert.equal(run.code, 5, run.stderr);
    assert.match(run.stderr, /no checksum for mocksmtp-/);
    assert.deepEqual(await readdir(d.bin), [], "existing target directory left empty");
    assert.deepEqual(await readdir(d.stage), []);
  });
});

test("install.sh: unsupported platforms fail before downloading", { skip }, async () => {
  await withRelease([{ name: ASSET!, body: FAKE_BINARY }], undefined, async (base, reqs, d) => {
    for (const [os, cpu] of [["Plan9", "x86_64"], ["Linux", "mips64"], ["MINGW64_NT", "arm64"]]) {
      const run = await runInstall(["-d", d.bin], {
        MOCKSMTP_BASE_URL: base,
        MOCKSMTP_OS: os,
        MOCKSMTP_ARCH: cpu,
        TMPDIR: d.stage,
      });
      assert.equal(run.code, 3, `${os}/${cpu}: ${run.stderr}`);
      assert.match(run.stderr, new RegExp(`unsupported platform ${os}/${cpu}`));
    }
    assert.deepEqual(reqs, [], "nothing was downloaded");
    assert.equal(existsSync(d.bin), false);
    assert.deepEqual(await readdir(d.stage), []);
  });
});

test("install.sh: platform overrides pick the matching asset", { skip }, async () => {
  const asset = "mocksmtp-macos-aarch64";
  await withRelease([{ name: asset, body: FAKE_BINARY }], undefined, async (base, reqs, d) => {
    const run = await runInstall(["-d", d.bin], {
      MOCKSMTP_BASE_URL: base,
      MOCKSMTP_OS: "Darwin",
      MOCKSMTP_ARCH: "arm64",
      TMPDIR: d.stage,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(reqs.includes(`/releases/latest/download/${asset}`));
  });
});

test("install.sh: a failed download (404) installs nothing", { skip }, async () => {
  await withRelease([], undefined, async (base, _r, d) => {
    const run = await runInstall(["-d", d.bin, "--links"], {
      MOCKSMTP_BASE_URL: base,
      TMPDIR: d.stage,
    });
    assert.equal(run.code, 4, run.stderr);
    assert.match(run.stderr, /^install\.sh: error: download failed: http:\/\/127\.0\.0\.1:\d+\//);
    assert.match(run.stderr, /404/);
    assert.equal(existsSync(d.bin), false);
    assert.deepEqual(await readdir(d.stage), []);
  });
});
