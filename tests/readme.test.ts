// The README's copy-paste examples, executed: every block after a `<!-- readme-test: ID -->`
// marker runs here, so an example that stops working fails the suite.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import process from "node:process";
import { cliCommand, freePort, isBun, ROOT, scriptCommand } from "./helpers/cli.ts";
import { runProcess, shellQuote } from "./helpers/process.ts";

const README = await readFile(path.join(ROOT, "README.md"), "utf8");
const RAW_BASE = "https://raw.githubusercontent.com/mocksmtp/mocksmtp/v2.6.0/";

function block(id: string): string {
  const m = README.match(
    new RegExp(`<!-- readme-test: ${id} -->\\n+\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``),
  );
  assert.ok(m, `README has a block marked ${id}`);
  return m[1];
}

async function tempDir(): Promise<string> {
  return await mkdtemp(path.join(tmpdir(), "mocksmtp-readme-"));
}

/** A `mocksmtp` command on PATH that runs this checkout (or MOCKSMTP_BIN). */
async function mocksmtpOnPath(dir: string): Promise<string> {
  const [cmd, args] = cliCommand([]);
  const quoted = [cmd, ...args].map(shellQuote).join(" ");
  await writeFile(path.join(dir, "mocksmtp"), `#!/bin/sh\nexec ${quoted} "$@"\n`, { mode: 0o755 });
  return dir;
}

test("README example: mocksmtp link makes smtpmock answer -v", async () => {
  const home = await tempDir();
  try {
    const bin = await mocksmtpOnPath(await mkdtemp(path.join(home, "path-")));
    const r = await runProcess("sh", ["-c", block("link")], {
      env: { ...process.env, HOME: home, PATH: `${bin}:${process.env.PATH}` },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^smtpmock: \d+\.\d+\.\d+$/m);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

test("README example: deno run from a URL with a clean DENO_DIR", async () => {
  // A loopback HTTP server stands in for the raw file host; only files under the repo.
  const http = createServer(async (req, res) => {
    const file = path.join(ROOT, decodeURIComponent(new URL(req.url!, "http://x").pathname));
    if (!file.startsWith(ROOT + path.sep)) return void res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": "application/typescript" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(http.address() as { port: number }).port}/`;
  const denoDir = await tempDir();
  const port = await freePort();
  const line = block("deno-run").trim().replace(RAW_BASE, base).replace("2525", String(port));
  const words = line.split(/\s+/);
  // Leading NAME=VALUE words are the shell's environment assignments (MALLOC_ARENA_MAX).
  const env: Record<string, string> = {};
  while (/^[A-Z_]+=/.test(words[0])) {
    const [name, value] = words.shift()!.split("=", 2);
    env[name] = value;
  }
  const [deno, ...args] = words;
  assert.equal(deno, "deno");
  const denoBin = path.join(ROOT, "node_modules", ".bin", "deno");
  const child = runProcess(denoBin, args, { env: { ...process.env, ...env, DENO_DIR: denoDir } });
  try {
    const greeting = await firstLine(port, child.exited);
    assert.equal(greeting, "220 Welcome\r\n");
  } finally {
    child.child.kill("SIGTERM");
    await child.exited;
    http.close();
    await rm(denoDir, { recursive: true, force: true });
  }
});

test("README example: the library snippet runs as written", async () => {
  const dir = path.join(ROOT, ".tmp");
  const file = path.join(dir, `readme_library_${process.pid}_${isBun ? "bun" : "deno"}.ts`);
  const code = block("library").replace(RAW_BASE + "mod.ts", path.join(ROOT, "mod.ts"));
  await writeFile(file, code);
  try {
    const r = await runProcess(...scriptCommand(file));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /app@example\.com \[ "user@example\.com" \] true/);
  } finally {
    await rm(file, { force: true });
  }
});

test("README example: reading received mail over the HTTP API with curl", async () => {
  const dir = await tempDir();
  const bin = await mocksmtpOnPath(await mkdtemp(path.join(dir, "path-")));
  const smtp = await freePort();
  let http = await freePort();
  while (http === smtp) http = await freePort();
  const script = block("http-api").replaceAll("2525", String(smtp)).replaceAll(
    "8025",
    String(http),
  );
  // Its own process group, so a failure cannot leave the background server running.
  const sh = runProcess("sh", ["-c", script], {
    cwd: dir,
    detached: true,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  });
  const killGroup = () => {
    try {
      process.kill(-sh.child.pid!, "SIGKILL");
    } catch {
      // Already gone.
    }
  };
  const timer = setTimeout(killGroup, 30_000);
  try {
    const r = await sh;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /"from": "app@example\.com"/);
    assert.match(r.stdout, /"to": \[\n\s*"user@example\.com"\n\s*\]/);
    assert.ok(r.stdout.includes("]\nSubject: Welcome\r\n\r\nHello!\r\n"), r.stdout);
    const log = await readFile(path.join(dir, "smtpmock.log"), "utf8");
    assert.match(log, new RegExp(`HTTP API listening on http://127\\.0\\.0\\.1:${http}/`));
  } finally {
    clearTimeout(timer);
    killGroup();
    await rm(dir, { recursive: true, force: true });
  }
});

test("README example: the action step uses real inputs and outputs", async () => {
  const action = await readFile(path.join(ROOT, "action.yml"), "utf8");
  const inputs = new Set(
    [...action.split("\noutputs:")[0].matchAll(/^ {2}([\w-]+):$/gm)].map((m) => m[1]),
  );
  const outputs = new Set(
    [...action.split("\noutputs:")[1].matchAll(/^ {2}([\w-]+):$/gm)].map((m) => m[1]),
  );
  const yaml = block("action");
  const withKeys = [...yaml.split("with:")[1].split("\n- ")[0].matchAll(/^ {4}([\w-]+):/gm)]
    .map((m) => m[1]);
  assert.ok(withKeys.length > 0);
  for (const k of withKeys) assert.ok(inputs.has(k), `input ${k} exists in action.yml`);
  for (const m of yaml.matchAll(/steps\.smtp\.outputs\.([\w-]+)/g)) {
    assert.ok(outputs.has(m[1]), `output ${m[1]} exists in action.yml`);
  }
});

/** Connects as soon as the server listens (retrying refused connects) and reads a line. */
async function firstLine(port: number, exited: Promise<unknown>): Promise<string> {
  let gone = false;
  exited.then(() => gone = true);
  for (;;) {
    if (gone) throw new Error("server exited before accepting");
    const line = await new Promise<string | null>((resolve) => {
      const s = connect(port, "127.0.0.1");
      let buf = "";
      s.on("data", (d) => {
        buf += d.toString("latin1");
        if (buf.includes("\n")) {
          s.destroy();
          resolve(buf);
        }
      });
      s.on("error", () => resolve(null));
    });
    if (line !== null) return line;
    await new Promise((r) => setTimeout(r, 20)); // refused: the server is still starting
  }
}
