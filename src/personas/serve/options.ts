/**
 * From parsed settings to the library's options: reads the files the command line names
 * (users file, certificate, key). Every problem is one line for the user.
 */
import type { ServeServerOptions } from "../../api/serve_options.ts";
import type { ServeSettings } from "./flags.ts";

/** A file named on the command line is unusable: the message names the flag and the file. */
export class FileArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FileArgumentError";
  }
}

/**
 * The file's text. `node:fs` loads only when a flag names a file: on Deno the first `node:`
 * module sets up the Node compatibility layer, which would delay the first greeting.
 */
async function readText(flag: string, path: string): Promise<string> {
  const { readFileSync } = await import("node:fs");
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === "ENOENT"
      ? "no such file"
      : code === "EACCES"
      ? "permission denied"
      : code === "EISDIR"
      ? "is a directory"
      : (e as Error).message;
    throw new FileArgumentError(`--${flag} ${path}: ${why}`);
  }
}

/** Hash prefixes of htpasswd files (bcrypt, Apache MD5, SHA-1, crypt SHA-256/512). */
const HASHED = /^(\$2[abxy]?\$|\$apr1\$|\{SHA\}|\$[156]\$)/;

/**
 * Mailpit's users file: `user:password` per line (the password may contain `:`), blank lines
 * and `#` comments skipped. Hashed passwords are refused with a clear line: CRAM-MD5 needs the
 * secret itself, and plain text is what a throwaway test server should hold anyway.
 */
export function parseAuthFile(text: string, path: string): Map<string, string> {
  const users = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const colon = line.indexOf(":");
    if (colon <= 0) {
      throw new FileArgumentError(
        `--smtp-auth-file ${path}:${i + 1}: expected user:password`,
      );
    }
    const password = line.slice(colon + 1);
    if (HASHED.test(password)) {
      throw new FileArgumentError(
        `--smtp-auth-file ${path}:${
          i + 1
        }: hashed passwords are not supported; write the password in plain text`,
      );
    }
    users.set(line.slice(0, colon), password);
  }
  if (users.size === 0) throw new FileArgumentError(`--smtp-auth-file ${path}: no users`);
  return users;
}

/** The library options for `s`; throws a {@link FileArgumentError} for an unusable file. */
export async function serveOptions(s: ServeSettings): Promise<ServeServerOptions> {
  const tls = s.tlsCert !== undefined && s.tlsKey !== undefined
    ? {
      cert: await readText("smtp-tls-cert", s.tlsCert),
      key: await readText("smtp-tls-key", s.tlsKey),
    }
    : { names: s.tlsNames, caOut: s.caOut };
  const users = s.authFile === undefined
    ? undefined
    : parseAuthFile(await readText("smtp-auth-file", s.authFile), s.authFile);
  return {
    smtp: s.smtp,
    smtpImplicitTls: s.implicitTls,
    smtps: s.smtps,
    http: s.http,
    max: s.max,
    tls,
    auth: {
      acceptAny: s.authAcceptAny,
      users,
      allowInsecure: s.authAllowInsecure,
      required: s.requireAuth,
    },
    smtpOptions: {
      maxSize: s.maxSize,
      maxLine: s.maxLine,
      maxRecipients: s.maxRecipients,
      timeoutMs: s.timeoutMs,
      maxConnections: s.maxConnections,
      disable: s.disable,
      bareLineEndings: s.bareLf,
      requireStartTls: s.requireStartTls,
    },
    maildir: s.maildir,
    mbox: s.mbox,
    emlDir: s.emlDir,
    transcripts: s.transcripts,
    strict: s.strict,
    chaosTriggers: s.chaosTriggers,
  };
}
