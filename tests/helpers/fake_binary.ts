/**
 * What the fake release serves as "the mocksmtp binary" in the action tests: a shell script that
 * runs the real CLI from source with bun (so the action really starts mocksmtp), or, for a
 * persona that is not written yet, a tiny SMTP-ish responder.
 *
 * SWITCH: a persona runs the real `cli.ts` as soon as `cli.ts` and
 * `src/personas/<persona>/main.ts` exist; set `MOCKSMTP_ACTION_STANDIN=1` to force the tiny
 * responder for every persona (e.g. to test the action alone while the CLI is broken).
 * @module
 */
import { accessSync, constants, existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { delimiter, dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** Repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Personas for which the served binary runs the real `cli.ts` (see the SWITCH note above). */
export const REAL_PERSONAS: string[] = ["serve", "smtpmock", "mockmta", "msmtpd"].filter((
  persona,
) =>
  process.env.MOCKSMTP_ACTION_STANDIN !== "1" && existsSync(join(REPO_ROOT, "cli.ts")) &&
  existsSync(join(REPO_ROOT, "src", "personas", persona, "main.ts"))
);

/**
 * Understands the port flags the action adds (-port=N, -p [IP:]N, --port=N, serve's
 * --smtp=IP:N and --listen=IP:N, the latter answered by a second listener); one line replies.
 */
const TINY_RESPONDER = `
import { createServer } from "node:net";
const [persona, ...args] = process.argv.slice(2);
let host = "127.0.0.1";
let port = 0;
let httpPort = 0;
for (let i = 0; i < args.length; i++) {
  const m = /^--?port=(\\d+)$/.exec(args[i]);
  if (m) port = Number(m[1]);
  const smtp = /^--smtp=127\\.0\\.0\\.1:(\\d+)$/.exec(args[i]);
  if (smtp) port = Number(smtp[1]);
  const http = /^--listen=127\\.0\\.0\\.1:(\\d+)$/.exec(args[i]);
  if (http) httpPort = Number(http[1]);
  if (args[i] === "-p") {
    const v = args[++i];
    const c = v.lastIndexOf(":");
    if (c >= 0) host = v.slice(0, c);
    port = Number(v.slice(c + 1));
  }
}
const server = createServer((s) => {
  s.on("error", () => {});
  s.write("220 stand-in ESMTP\\r\\n");
  let buf = "";
  s.on("data", (d) => {
    buf += d;
    for (let i; (i = buf.indexOf("\\r\\n")) >= 0; buf = buf.slice(i + 2)) {
      if (/^QUIT/i.test(buf.slice(0, i))) s.end("221 bye\\r\\n");
      else s.write("250 ok\\r\\n");
    }
  });
});
server.listen(port, host, () => console.log("stand-in " + persona + " started on port: " + port));
if (httpPort) createServer((s) => s.end()).listen(httpPort, host);
process.on("SIGTERM", () => process.exit(0));
`;

/**
 * The bun executable: this process when running under bun, else the first `bun` on PATH (CI's
 * setup-bun), else the pinned npm devDependency.
 */
function findBun(): string {
  if (process.versions.bun) return process.execPath;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    try {
      accessSync(join(dir, "bun"), constants.X_OK);
      return join(dir, "bun");
    } catch { /* not here */ }
  }
  return join(REPO_ROOT, "node_modules", ".bin", "bun");
}

/**
 * Writes any support files into `scratchDir` and returns the text of the executable to serve.
 * @param scratchDir a directory that outlives the test's server processes
 */
export async function fakeMocksmtpBinary(scratchDir: string): Promise<string> {
  const responder = join(scratchDir, "tiny_responder.mjs");
  await writeFile(responder, TINY_RESPONDER);
  const bun = findBun();
  const real = REAL_PERSONAS.length
    ? `  ${REAL_PERSONAS.join(" | ")}) exec "${bun}" run "${join(REPO_ROOT, "cli.ts")}" "$@" ;;\n`
    : "";
  return `#!/bin/sh\ncase "$1" in\n${real}  *) exec node "${responder}" "$@" ;;\nesac\n`;
}
