// The GitHub Action (action.yml + action/*.mjs): pure argument rules, then the main and post
// entry points run with `node` and the environment the runner gives them, against a loopback
// stand-in for the releases page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { arch, platform, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { planLaunch, splitArgs } from "../action/args.mjs";
import { checksumFor } from "../action/download.mjs";
import { assetFor, normalizeVersion, releaseDirUrl } from "../action/platform.mjs";
import { isAlive, stopProcess } from "../action/process.mjs";
import { fakeMocksmtpBinary, REAL_PERSONAS, REPO_ROOT } from "./helpers/fake_binary.ts";
import { type ProcessResult, runProcess } from "./helpers/process.ts";
import { sha256Sums, startReleaseServer } from "./helpers/release_server.ts";

const VERSION = "2.6.0";
const DEFAULTS = { freePort: 40000, defaultMailbox: "/tmp/run/mailbox" };

// ---------------------------------------------------------------------------------------------
// Pure parts

test("action args: split like a shell word list", () => {
  assert.deepEqual(splitArgs(""), []);
  assert.deepEqual(splitArgs("  -a   -b=1 "), ["-a", "-b=1"]);
  assert.deepEqual(splitArgs(`-blacklistedHeloDomains="a.com,b.com" -log`), [
    "-blacklistedHeloDomains=a.com,b.com",
    "-log",
  ]);
  assert.deepEqual(splitArgs(`--command='cat > "x y"' a\\ b ""`), [
    `--command=cat > "x y"`,
    "a b",
    "",
  ]);
  assert.deepEqual(splitArgs(`"say \\"hi\\" \\n"`), [`say "hi" \\n`]);
  assert.throws(() => splitArgs(`-x 'open`), /unterminated ' quote/);
});

test("action args: smtpmock gets a port and -log unless given", () => {
  assert.deepEqual(planLaunch("smtpmock", [], DEFAULTS), {
    argv: ["-port=40000", "-log"],
    host: "127.0.0.1",
    port: 40000,
    createMailbox: false,
  });
  const own = planLaunch("smtpmock", ["--port", "2525", "-log=false", "-host=[::1]"], DEFAULTS);
  assert.deepEqual(own.argv, ["--port", "2525", "-log=false", "-host=[::1]"]);
  assert.equal(own.port, 2525);
  assert.equal(own.host, "::1");
  // Go's flag parser stops at the first operand: a -port after it is not a flag.
  assert.deepEqual(planLaunch("smtpmock", ["-failFast", "x", "-port=1"], DEFAULTS).argv, [
    "-port=40000",
    "-log",
    "-failFast",
    "x",
    "-port=1",
  ]);
  assert.throws(() => planLaunch("smtpmock", ["-port=0"], DEFAULTS), /port unknown/);
});

test("action args: mockmta runs in the foreground with a port and a mailbox", () => {
  assert.deepEqual(planLaunch("mockmta", ["-l", "debug"], DEFAULTS), {
    argv: ["-f", "-p", "127.0.0.1:40000", "-l", "debug", "/tmp/run/mailbox"],
    host: "127.0.0.1",
    port: 40000,
    mailbox: "/tmp/run/mailbox",
    createMailbox: true,
  });
  const own = planLaunch("mockmta", ["-fp127.0.0.2:2526", "box"], DEFAULTS);
  assert.deepEqual(own.argv, ["-fp127.0.0.2:2526", "box"]);
  assert.equal(own.host, "127.0.0.2");
  assert.equal(own.port, 2526);
  assert.equal(own.mailbox, "box");
  assert.equal(own.createMailbox, false);
  assert.throws(() => planLaunch("mockmta", ["-vd"], DEFAULTS), /-d would detach/);
});

test("action args: msmtpd gets --port, --inetd is refused, unknown personas too", () => {
  assert.deepEqual(planLaunch("msmtpd", ["--command=cat"], DEFAULTS).argv, [
    "--port=40000",
    "--command=cat",
  ]);
  const own = planLaunch("msmtpd", ["--po", "2527", "--interf=::"], DEFAULTS);
  assert.equal(own.port, 2527);
  assert.equal(own.host, "::1");
  assert.throws(() => planLaunch("msmtpd", ["--inetd"], DEFAULTS), /--inetd/);
  assert.throws(() => planLaunch("postfix", [], DEFAULTS), /persona must be one of/);
});

test("action args: serve gets SMTP and HTTP ports and a CA file in the run dir unless given", () => {
  const defaults = { ...DEFAULTS, freeHttpPort: 40001, defaultCaFile: "/tmp/run/ca.pem" };
  assert.deepEqual(planLaunch("serve", ["--max", "10"], defaults), {
    argv: [
      "--smtp=127.0.0.1:40000",
      "--listen=127.0.0.1:40001",
      "--ca-out=/tmp/run/ca.pem",
      "--max",
      "10",
    ],
    host: "127.0.0.1",
    port: 40000,
    createMailbox: false,
    httpHost: "127.0.0.1",
    httpPort: 40001,
    caFile: "/tmp/run/ca.pem",
  });
  const own = planLaunch(
    "serve",
    ["--smtp", ":2525", "--list=[::1]:8080", "--ca-o", "ca.pem"],
    defaults,
  );
  assert.deepEqual(own.argv, ["--smtp", ":2525", "--list=[::1]:8080", "--ca-o", "ca.pem"]);
  assert.deepEqual([own.host, own.port, own.httpHost, own.httpPort, own.caFile], [
    "127.0.0.1",
    2525,
    "::1",
    8080,
    "ca.pem",
  ]);
  const cert = planLaunch("serve", ["--smtp-tls-cert=c.pem", "--smtp-tls-key=k.pem"], defaults);
  assert.equal(cert.caFile, undefined, "no minted CA with the user's certificate");
  assert.ok(!cert.argv.some((a) => a.startsWith("--ca-out")));
  assert.throws(() => planLaunch("serve", ["--smtp=127.0.0.1:0"], defaults), /port unknown/);
  assert.throws(() => planLaunch("serve", ["--help"], defaults), /print and exit/);
});

test("action platform: runner to asset, version and release URL", () => {
  assert.equal(assetFor("Linux", "X64").asset, "mocksmtp-linux-x86_64");
  assert.equal(assetFor("macOS", "ARM64").asset, "mocksmtp-macos-aarch64");
  assert.equal(assetFor("Windows", "X64").asset, "mocksmtp-windows-x86_64.exe");
  assert.throws(() => assetFor("Windows", "ARM64"), /no mocksmtp binary for runner Windows\/ARM64/);
  assert.throws(() => assetFor("Linux", "X86"), /no mocksmtp binary/);
  assert.equal(normalizeVersion("v2.6.0"), "2.6.0");
  assert.throws(() => normalizeVersion("two"), /version must be/);
  const gh = "https://github.com/o/mocksmtp/releases/download";
  assert.equal(releaseDirUrl(gh, "2.6.0"), `${gh}/v2.6.0`);
  assert.equal(
    releaseDirUrl(gh + "/", "latest"),
    "https://github.com/o/mocksmtp/releases/latest/download",
  );
  assert.equal(
    releaseDirUrl("https://mirror/mocksmtp", "latest"),
    "https://mirror/mocksmtp/latest",
  );
  const sums = sha256Sums([{ name: "a", body: "x" }]);
  assert.equal(checksumFor(sums, "a"), sums.slice(0, 64));
  assert.equal(checksumFor(`${"A".repeat(64)} *b.exe\r\n`, "b.exe"), "a".repeat(64));
  assert.equal(checksumFor(sums, "b"), undefined);
});

// ---------------------------------------------------------------------------------------------
// Entry points, end to end

const RUNNER_OS = ({ linux: "Linux", darwin: "macOS" } as Record<string, string>)[platform()];
const RUNNER_ARCH = ({ x64: "X64", arm64: "ARM64" } as Record<string, string>)[arch()];
const HAS_NODE = spawnSync("node", ["--version"]).status === 0;
// The served stand-in binary is a shell script, so the end-to-end tests need a POSIX runner.
const skipE2e = !RUNNER_OS || !RUNNER_ARCH
  ? "needs a Linux or macOS host"
  : !HAS_NODE
  ? "needs node on PATH (the runner runs actions with node)"
  : false;

/** Runs an action entry point with node, as the runner does, with exactly the env we give. */
function runEntry(entry: "main" | "post", env: Record<string, string>): Promise<ProcessResult> {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // Running inside a real workflow must not leak its runner files into the test.
    if (v !== undefined && !/^(INPUT_|STATE_|GITHUB_|RUNNER_)/.test(k)) clean[k] = v;
  }
  return runProcess("node", [join(REPO_ROOT, "action", `${entry}.mjs`)], {
    env: { ...clean, ...env },
  });
}

/** `name=value` lines (and `name<<DELIM` blocks) of a GITHUB_OUTPUT / GITHUB_STATE file. */
async function readKeyValues(file: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (!existsSync(file)) return out;
  const lines = (await readFile(file, "utf8")).split("\n");
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1);
      out[heredoc[1]] = lines.slice(i + 1, end).join("\n");
      i = end;
    } else if (lines[i].includes("=")) {
      const eq = lines[i].indexOf("=");
      out[lines[i].slice(0, eq)] = lines[i].slice(eq + 1);
    }
  }
  return out;
}

/** Greeting, EHLO, QUIT over a real socket; returns the reply lines. */
function smtpHello(port: number): Promise<string[]> {
  return new Promise((done, fail) => {
    const socket = connect({ host: "127.0.0.1", port });
    const lines: string[] = [];
    let buf = "";
    let step = 0;
    socket.setTimeout(10_000, () => socket.destroy(new Error(`SMTP timeout; got ${lines}`)));
    socket.on("error", fail);
    socket.on("close", () => done(lines));
    socket.on("data", (d) => {
      buf += d;
      for (let i; (i = buf.indexOf("\r\n")) >= 0; buf = buf.slice(i + 2)) {
        const line = buf.slice(0, i);
        lines.push(line);
        if (line[3] === "-") continue; // multi-line reply goes on
        if (step === 0) socket.write("EHLO example.com\r\n");
        if (step === 1) socket.write("QUIT\r\n");
        if (step === 2) socket.end();
        step++;
      }
    });
  });
}

interface ActionFixture {
  dir: string;
  env: (inputs: Record<string, string>) => Record<string, string>;
  requests: string[];
}

/** A fake release holding a stand-in binary for this host, plus runner dirs and files. */
async function withActionFixture(
  options: { corruptSums?: boolean },
  body: (f: ActionFixture) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "mocksmtp-action-test-"));
  const { asset } = assetFor(RUNNER_OS, RUNNER_ARCH);
  const binary = await fakeMocksmtpBinary(dir);
  const server = await startReleaseServer({
    version: VERSION,
    assets: [{ name: asset, body: binary }],
    sums: options.corruptSums ? sha256Sums([{ name: asset, body: "tampered" }]) : undefined,
  });
  await mkdir(join(dir, "temp"));
  const env = (inputs: Record<string, string>) => ({
    "INPUT_PERSONA": "smtpmock",
    "INPUT_ARGS": "",
    "INPUT_VERSION": VERSION,
    "INPUT_BASE-URL": server.baseUrl,
    ...inputs,
    GITHUB_OUTPUT: join(dir, "output.txt"),
    GITHUB_STATE: join(dir, "state.txt"),
    RUNNER_OS,
    RUNNER_ARCH,
    RUNNER_TEMP: join(dir, "temp"),
    RUNNER_TOOL_CACHE: join(dir, "toolcache"),
  });
  try {
    await body({ dir, env, requests: server.requests });
  } finally {
    // Never leave a server behind, whatever failed.
    const state = await readKeyValues(join(dir, "state.txt"));
    if (Number(state.pid) > 0) await stopProcess(Number(state.pid), 1000);
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** main → outputs → SMTP session → post → process gone, log printed and kept. */
async function startSessionStop(
  persona: string,
  args = "",
  whileRunning?: (outputs: Record<string, string>) => Promise<void>,
): Promise<Record<string, string>> {
  let outputs: Record<string, string> = {};
  await withActionFixture({}, async ({ dir, env }) => {
    const inputs = { INPUT_PERSONA: persona, INPUT_ARGS: args };
    const main = await runEntry("main", env(inputs));
    assert.equal(main.code, 0, `main failed:\n${main.stdout}${main.stderr}`);
    assert.doesNotMatch(main.stdout, /::error::/);

    outputs = await readKeyValues(join(dir, "output.txt"));
    const port = Number(outputs.port);
    const pid = Number(outputs.pid);
    assert.ok(port > 0 && pid > 0, JSON.stringify(outputs));
    assert.ok(outputs["log-file"].startsWith(join(dir, "temp")), "log in RUNNER_TEMP");
    assert.ok(isAlive(pid), "server runs after the main step ended");

    const replies = await smtpHello(port);
    assert.match(replies[0], /^220[ -]/, replies.join("\n"));
    assert.ok(replies.some((l) => /^250 /.test(l)), replies.join("\n"));
    assert.match(replies[replies.length - 1], /^221[ -]/, replies.join("\n"));
    await whileRunning?.(outputs);

    const state = await readKeyValues(join(dir, "state.txt"));
    assert.equal(state.pid, String(pid));
    const stateEnv = Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]));
    const post = await runEntry("post", { ...env(inputs), ...stateEnv });
    assert.equal(post.code, 0, post.stdout + post.stderr);
    assert.match(post.stdout, new RegExp(`${persona} \\(pid ${pid}\\) (stopped|killed)`));
    assert.match(post.stdout, /::group::.*log/);
    assert.equal(isAlive(pid), false, "server stopped by the post step");
    assert.ok(existsSync(outputs["log-file"]), "log file kept");
    const log = await readFile(outputs["log-file"], "utf8");
    if (log.trim()) assert.ok(post.stdout.includes(log.trim().split("\n")[0]), "log printed");
  });
  return outputs;
}

test("action: smtpmock starts, serves SMTP on the output port, post stops it", {
  skip: skipE2e,
}, async () => {
  const outputs = await startSessionStop("smtpmock");
  assert.equal(outputs.mailbox, undefined);
});

test("action: serve publishes its HTTP URL and CA file", { skip: skipE2e }, async () => {
  const outputs = await startSessionStop("serve", "--quiet", async (out) => {
    if (!REAL_PERSONAS.includes("serve")) return;
    // Ready means the CA is written and the HTTP API answers with it.
    const ca = await readFile(out["ca-file"], "utf8");
    assert.match(ca, /^-----BEGIN CERTIFICATE-----/);
    assert.equal(await (await fetch(`${out["http-url"]}/api/v1/ca.pem`)).text(), ca);
  });
  assert.match(outputs["http-url"], /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(outputs["ca-file"], /mocksmtp-serve-[^/\\]+[/\\]ca\.pem$/);
});

test("action: mockmta gets a mailbox in RUNNER_TEMP", { skip: skipE2e }, async () => {
  const outputs = await startSessionStop("mockmta");
  assert.match(outputs.mailbox, /mocksmtp-mockmta-[^/\\]+[/\\]mailbox$/);
});

test("action: msmtpd starts on a chosen port", { skip: skipE2e }, async () => {
  await startSessionStop("msmtpd", "--command=cat");
});

test("action: a checksum mismatch fails the step and starts nothing", {
  skip: skipE2e,
}, async () => {
  await withActionFixture({ corruptSums: true }, async ({ dir, env }) => {
    const main = await runEntry("main", env({}));
    assert.equal(main.code, 1);
    assert.match(main.stdout, /^::error::mocksmtp: checksum mismatch for mocksmtp-/m);
    assert.equal(existsSync(join(dir, "state.txt")), false, "no pid saved");
    assert.equal(existsSync(join(dir, "output.txt")), false, "no outputs");
    const cached = join(dir, "toolcache", "mocksmtp", VERSION);
    for (const key of await readdir(cached)) {
      assert.deepEqual(await readdir(join(cached, key)), [], "no partial download left");
    }
    // The post step still runs after a failed main step and must cope.
    const post = await runEntry("post", env({}));
    assert.equal(post.code, 0);
    assert.match(post.stdout, /nothing to stop/);
  });
});

test("action: the tool cache is reused when the checksum still matches", {
  skip: skipE2e,
}, async () => {
  await withActionFixture({}, async ({ dir, env, requests }) => {
    const { asset } = assetFor(RUNNER_OS, RUNNER_ARCH);
    for (const round of [1, 2]) {
      const main = await runEntry("main", env({ INPUT_VERSION: "latest" }));
      assert.equal(main.code, 0, main.stdout + main.stderr);
      assert.match(main.stdout, round === 1 ? /downloaded/ : /using cached/);
      const state = await readKeyValues(join(dir, "state.txt"));
      await stopProcess(Number(state.pid), 2000);
      await writeFile(join(dir, "state.txt"), "");
    }
    assert.equal(requests.filter((p) => p.endsWith(`/${asset}`)).length, 2, "latest → redirect");
    assert.equal(requests.filter((p) => p.startsWith("/releases/download/")).length, 3);
    assert.ok(existsSync(join(dir, "toolcache", "mocksmtp", "latest")));
  });
});

test("action: a release mirrored on disk works as a file: base-url", {
  skip: skipE2e,
}, async () => {
  await withActionFixture({}, async ({ dir, env, requests }) => {
    const { asset } = assetFor(RUNNER_OS, RUNNER_ARCH);
    const release = join(dir, "mirror", `v${VERSION}`);
    await mkdir(release, { recursive: true });
    const binary = await fakeMocksmtpBinary(dir);
    await writeFile(join(release, asset), binary);
    await writeFile(join(release, "SHA256SUMS"), sha256Sums([{ name: asset, body: binary }]));
    const base = pathToFileURL(join(dir, "mirror")).href;
    const main = await runEntry("main", env({ "INPUT_BASE-URL": base }));
    assert.equal(main.code, 0, main.stdout + main.stderr);
    assert.match(main.stdout, /downloaded .* from file:/);
    assert.deepEqual(requests, [], "nothing fetched over HTTP");
  });
});

test("action: reports which personas ran the real CLI", () => {
  // Visible in the test output, so a stand-in is never mistaken for the real thing.
  console.log(
    `action end-to-end tests ran the real cli.ts for: ${REAL_PERSONAS.join(", ") || "none"}`,
  );
});
