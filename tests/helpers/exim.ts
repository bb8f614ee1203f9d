/**
 * Exim 4 as a real SMTP client: the binary unpacked by scripts/exim_client.sh, given a
 * configuration of its own that routes every address to one test server, delivering in the
 * foreground. Its debug output (`-d+transport`) is what exim itself says it sent.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import process from "node:process";
import { ROOT } from "./cli.ts";
import { runProcess } from "./process.ts";

/** The wrapper that runs exim, or why there is none (scripts/exim_client.sh says). */
export function findExim(): { path: string } | { reason: string } {
  const r = spawnSync("bash", [path.join(ROOT, "scripts", "exim_client.sh")], {
    encoding: "utf8",
  });
  const found = r.stdout?.trim();
  if (r.status === 0 && found) return { path: found };
  return { reason: (r.stderr || r.error?.message || `exit ${r.status}`).trim() };
}

/** Where exim sends, and how. */
export interface EximTarget {
  port: number;
  /** STARTTLS required and the server's certificate verified against this CA file. */
  caFile?: string;
}

/** One exim run: its exit status, output, and the commands it logged sending. */
export interface EximRun {
  code: number;
  stdout: string;
  stderr: string;
  /** `MAIL FROM:…`, `RCPT TO:…`, `BDAT n [LAST]`, … as exim's debug output has them. */
  sent: string[];
}

/** exim -d marks what it writes: `>>` sent now, `|>` and `+>` held back for pipelining. */
const SENT = /^ {2}SMTP(?:>>|\|>|\+>) (.*)$/gm;

function config(dir: string, exim: string, target: EximTarget): string {
  const tls = target.caFile
    ? "  hosts_require_tls = *\n  tls_verify_hosts = *\n" +
      `  tls_verify_certificates = ${target.caFile}\n`
    : "  hosts_avoid_tls = *\n";
  // keep_environment: exim re-executes itself for the delivery and must find its user again.
  // The timeouts (5 min by default) bound a test whose server stopped answering.
  return `primary_hostname = exim-client.test
spool_directory = ${dir}/spool
log_file_path = ${dir}/log/%slog
exim_path = ${exim}
keep_environment = NSS_WRAPPER_PASSWD : NSS_WRAPPER_GROUP
untrusted_set_sender = *
local_from_check = false
tls_advertise_hosts =
acl_smtp_rcpt = accept

begin routers
to_test_server:
  driver = manualroute
  domains = *
  route_list = * 127.0.0.1
  self = send
  transport = test_server

begin transports
test_server:
  driver = smtp
  port = ${target.port}
  allow_localhost
  hosts_try_chunking = *
  connect_timeout = 10s
  command_timeout = 10s
  data_timeout = 10s
${tls}
begin retry
* * F,1m,1m
`;
}

/**
 * Exim with a spool, log and configuration of its own in a temporary directory, sending
 * everything to `target`. As root, exim drops to nobody: the directory is made theirs.
 */
export class EximClient implements Disposable {
  readonly dir: string;
  readonly #env: Record<string, string>;
  readonly #conf: string;

  constructor(readonly exim: string, target: EximTarget) {
    this.dir = mkdtempSync(path.join(tmpdir(), "exim-client-"));
    chmodSync(this.dir, 0o755);
    for (const sub of ["spool", "log"]) {
      mkdirSync(path.join(this.dir, sub));
      chmodSync(path.join(this.dir, sub), 0o777);
    }
    // exim's compiled-in user, mapped to who exim may run as (never root: it refuses that).
    const uid = process.getuid?.() ?? 65534;
    const runAs = uid === 0 ? 65534 : uid;
    const gid = uid === 0 ? 65534 : process.getgid?.() ?? 65534;
    const passwd = path.join(this.dir, "passwd");
    const group = path.join(this.dir, "group");
    writeFileSync(
      passwd,
      `root:x:0:0:root:/root:/bin/sh\nDebian-exim:x:${runAs}:${gid}::/nonexistent:/bin/false\n`,
    );
    writeFileSync(group, `root:x:0:\nDebian-exim:x:${gid}:\n`);
    this.#env = { ...process.env, NSS_WRAPPER_PASSWD: passwd, NSS_WRAPPER_GROUP: group };
    this.#conf = path.join(this.dir, "exim.conf");
    writeFileSync(this.#conf, config(this.dir, exim, target));
  }

  async #run(args: string[], input: Uint8Array): Promise<EximRun> {
    const r = await runProcess(this.exim, ["-C", this.#conf, "-d+transport", "-odf", ...args], {
      input,
      env: this.#env,
    });
    return { ...r, sent: [...r.stderr.matchAll(SENT)].map((m) => m[1]) };
  }

  /** `exim -oi -f from to…` with `message` on stdin, the way a program submits mail. */
  submit(from: string, to: string[], message: Uint8Array): Promise<EximRun> {
    return this.#run(["-oi", "-f", from, ...to], message);
  }

  /** `exim -bs`: `session` is a whole SMTP session spoken to exim on stdin. */
  smtp(session: Uint8Array): Promise<EximRun> {
    return this.#run(["-bs"], session);
  }

  /** Exim's main log: a delivery line says `K` when it went by CHUNKING. */
  mainlog(): string {
    return readFileSync(path.join(this.dir, "log", "mainlog"), "utf8");
  }

  [Symbol.dispose](): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
