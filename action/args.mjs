// @ts-check
/**
 * Turning the `args` input into the persona's argv, adding what the action needs to own the
 * server: a known port, the foreground, and (mockmta) a mailbox. Pure functions, unit-tested.
 *
 * Rules (documented in action.yml):
 * - smtpmock: no `-port` (or `-port=0`) → `-port=<free port>` is added; `-log` is added unless
 *   `-log` is given in any form, so the log file shows the server's activity. The probe address
 *   is `-host` (0.0.0.0 → 127.0.0.1).
 * - mockmta: `-f` (foreground daemon) is added unless given; `-d` is refused (it would detach);
 *   no `-p` → `-p 127.0.0.1:<free port>`; no MAILBOX operand → a fresh file in RUNNER_TEMP.
 * - msmtpd: `--inetd` is refused; no `--port` → `--port=<free port>`; `--interface` is probed.
 * - serve: no `--smtp` → `--smtp=127.0.0.1:<free port>`; no `--listen` →
 *   `--listen=127.0.0.1:<free HTTP port>`; no `--ca-out` (and no own certificate) →
 *   `--ca-out=<run dir>/ca.pem`. The HTTP port is probed too: it listens once the CA is written.
 * Our flags go first so the user's later flags win, and Go's flag parser (smtpmock), which stops
 * at the first operand, still sees them.
 * @module
 */

/** The personas the action can start. */
export const PERSONAS = ["serve", "smtpmock", "mockmta", "msmtpd"];

/**
 * Splits like a POSIX shell word list, without expansions: blanks separate words, '…' quotes
 * literally, "…" quotes with \\ escaping \\ " $ and `, a backslash outside quotes escapes the next
 * character.
 * @param {string} text
 * @returns {string[]}
 */
export function splitArgs(text) {
  /** @type {string[]} */
  const words = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error("args: unterminated ' quote");
      word += text.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === "\\" && '\\"$`'.includes(text[j + 1] ?? "")) j++;
        word += text[j];
      }
      if (j >= text.length) throw new Error('args: unterminated " quote');
      i = j;
      inWord = true;
    } else if (c === "\\" && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/**
 * @typedef {object} LaunchPlan
 * @property {string[]} argv arguments after the persona name
 * @property {string} host address to probe for readiness
 * @property {number} port port the server will listen on
 * @property {string} [mailbox] mockmta's mailbox file
 * @property {boolean} createMailbox whether the action chose the mailbox and must create it
 * @property {string} [httpHost] serve: address of the HTTP API to probe
 * @property {number} [httpPort] serve: port of the HTTP API
 * @property {string} [caFile] serve: the minted CA's file
 */

/**
 * @typedef {object} PlanDefaults
 * @property {number} freePort port to use when the args give none
 * @property {string} defaultMailbox mailbox path to use when mockmta's args give none
 * @property {number} [freeHttpPort] serve: HTTP port to use when the args give none
 * @property {string} [defaultCaFile] serve: where the CA goes when the args do not say
 */

/**
 * A host as given on a command line → an address to connect to.
 * @param {string | undefined} host
 */
function probeHost(host) {
  const h = (host ?? "").replace(/^\[(.*)\]$/, "$1");
  if (h === "" || h === "0.0.0.0") return "127.0.0.1";
  if (h === "::") return "::1";
  return h;
}

/**
 * @param {string} flag
 * @param {string} value
 */
function portValue(flag, value) {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n > 65535) {
    throw new Error(`args: ${flag} must be a port number 1..65535, got "${value}"`);
  }
  return n;
}

/**
 * smtpmock (Go `flag`): `-name`, `--name`, `-name=value`, `-name value`; parsing stops at the
 * first operand or `--`.
 * @param {string[]} args
 * @param {PlanDefaults} defaults
 * @returns {LaunchPlan}
 */
function planSmtpmock(args, defaults) {
  const BOOL = new Set(["v", "log", "failFast", "multipleRcptto", "multipleMessageReceiving"]);
  /** @type {Map<string, string>} */
  const seen = new Map();
  for (let i = 0; i < args.length; i++) {
    const t = args[i];
    if (t === "--" || !t.startsWith("-") || t === "-") break;
    const body = t.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    let value = eq < 0 ? "" : body.slice(eq + 1);
    if (eq < 0 && !BOOL.has(name)) value = args[++i] ?? "";
    seen.set(name, value);
  }
  const given = seen.has("port") ? portValue("-port", seen.get("port") ?? "") : 0;
  if (seen.has("port") && given === 0) {
    throw new Error("args: -port=0 leaves the port unknown; omit -port and the action picks one");
  }
  const port = given || defaults.freePort;
  const ours = [...(given ? [] : [`-port=${port}`]), ...(seen.has("log") ? [] : ["-log"])];
  return {
    argv: [...ours, ...args],
    host: probeHost(seen.get("host")),
    port,
    createMailbox: false,
  };
}

/**
 * mockmta (POSIX getopt `a:c:dfk:l:P:p:st:v?`, operands anywhere as with GNU getopt).
 * @param {string[]} args
 * @param {PlanDefaults} defaults
 * @returns {LaunchPlan}
 */
function planMockmta(args, defaults) {
  const WITH_VALUE = "acklPpt";
  /** @type {string[]} */
  const operands = [];
  let foreground = false;
  /** @type {string | undefined} */
  let listen;
  for (let i = 0; i < args.length; i++) {
    const t = args[i];
    if (t === "--") {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (!t.startsWith("-") || t === "-") {
      operands.push(t);
      continue;
    }
    for (let k = 1; k < t.length; k++) {
      const opt = t[k];
      if (WITH_VALUE.includes(opt)) {
        const value = k + 1 < t.length ? t.slice(k + 1) : args[++i] ?? "";
        if (opt === "p") listen = value;
        break;
      }
      if (opt === "d") {
        throw new Error("args: mockmta -d would detach; the action runs it in the foreground (-f)");
      }
      if (opt === "f") foreground = true;
    }
  }
  /** @type {string | undefined} */
  let host;
  let port = defaults.freePort;
  if (listen !== undefined) {
    const colon = listen.lastIndexOf(":");
    host = colon < 0 ? undefined : listen.slice(0, colon);
    port = portValue("-p", colon < 0 ? listen : listen.slice(colon + 1));
    if (port === 0) throw new Error("args: mockmta -p needs a port 1..65535");
  }
  const mailbox = operands[0] ?? defaults.defaultMailbox;
  const argv = [
    ...(foreground ? [] : ["-f"]),
    ...(listen === undefined ? ["-p", `127.0.0.1:${port}`] : []),
    ...args,
    ...(operands.length ? [] : [mailbox]),
  ];
  return { argv, host: probeHost(host), port, mailbox, createMailbox: operands.length === 0 };
}

/**
 * The GNU long options (`--name=value`, `--name value`, unambiguous prefixes) of `args` that
 * name one of `options`, up to `--`; anything else is left for the program to report.
 * @param {string[]} args
 * @param {string[]} options
 * @param {(name: string) => boolean} takesValue
 * @returns {Map<string, string>}
 */
function longOptions(args, options, takesValue) {
  /** @type {Map<string, string>} */
  const seen = new Map();
  for (let i = 0; i < args.length; i++) {
    const t = args[i];
    if (t === "--") break;
    if (!t.startsWith("--")) continue;
    const eq = t.indexOf("=");
    const typed = t.slice(2, eq < 0 ? undefined : eq);
    const matches = options.filter((o) => o === typed || (typed && o.startsWith(typed)));
    const name = matches.includes(typed) ? typed : matches.length === 1 ? matches[0] : undefined;
    if (!name) continue;
    let value = eq < 0 ? "" : t.slice(eq + 1);
    if (eq < 0 && takesValue(name)) value = args[++i] ?? "";
    seen.set(name, value);
  }
  return seen;
}

/**
 * msmtpd (GNU getopt_long, long options only, unambiguous prefixes accepted).
 * @param {string[]} args
 * @param {PlanDefaults} defaults
 * @returns {LaunchPlan}
 */
function planMsmtpd(args, defaults) {
  const OPTIONS = ["version", "help", "inetd", "interface", "port", "log", "command", "auth"];
  const WITH_VALUE = new Set(["interface", "port", "log", "command", "auth"]);
  // msmtpd itself reports unknown or ambiguous options.
  const seen = longOptions(args, OPTIONS, (name) => WITH_VALUE.has(name));
  if (seen.has("inetd")) {
    throw new Error("args: msmtpd --inetd serves stdin/stdout; the action needs its daemon mode");
  }
  // msmtpd reads the port with atoi and wraps it modulo 65536.
  const given = seen.has("port") ? (parseInt(seen.get("port") ?? "", 10) || 0) % 65536 : 0;
  if (seen.has("port") && given === 0) {
    throw new Error("args: --port=0 leaves the port unknown; omit --port and the action picks one");
  }
  const port = given || defaults.freePort;
  const argv = [...(given ? [] : [`--port=${port}`]), ...args];
  return { argv, host: probeHost(seen.get("interface")), port, createMailbox: false };
}

/**
 * serve's `--smtp`/`--listen`/`--smtps` value: `HOST:PORT`, `[IPv6]:PORT`, `:PORT` or `PORT`.
 * @param {string} flag
 * @param {string} value
 */
function serveAddress(flag, value) {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value) ?? /^()()(\d+)$/.exec(value);
  if (!m) throw new Error(`args: ${flag} must be HOST:PORT, [IPv6]:PORT or :PORT, got "${value}"`);
  const port = portValue(flag, m[3]);
  if (port === 0) {
    throw new Error(
      `args: ${flag} with port 0 leaves the port unknown; omit it and the action picks one`,
    );
  }
  const host = m[1] ?? (m[2] === "" && value.startsWith(":") ? "0.0.0.0" : m[2] || "127.0.0.1");
  return { host, port };
}

/**
 * serve (GNU getopt_long, long options; `--x=v` or `--x v`; unambiguous prefixes).
 * @param {string[]} args
 * @param {PlanDefaults} defaults
 * @returns {LaunchPlan}
 */
function planServe(args, defaults) {
  const WITH_VALUE = [
    "smtp",
    "listen",
    "smtps",
    "max",
    "smtp-auth-file",
    "smtp-tls-cert",
    "smtp-tls-key",
    "smtp-max-recipients",
    "smtp-disable",
    "smtp-max-size",
    "smtp-max-line",
    "smtp-timeout",
    "smtp-max-connections",
    "smtp-bare-lf",
    "tls-name",
    "ca-out",
    "maildir",
    "mbox",
    "eml-dir",
    "transcripts",
  ];
  const FLAGS = [
    "help",
    "version",
    "quiet",
    "smtp-auth-accept-any",
    "smtp-auth-allow-insecure",
    "smtp-require-auth",
    "smtp-require-starttls",
    "smtp-require-tls",
    ...WITH_VALUE,
  ];
  // serve itself reports unknown or ambiguous options.
  const seen = longOptions(args, FLAGS, (name) => WITH_VALUE.includes(name));
  if (seen.has("help") || seen.has("version")) {
    throw new Error("args: --help and --version print and exit; the action needs a running server");
  }
  const smtp = seen.has("smtp")
    ? serveAddress("--smtp", seen.get("smtp") ?? "")
    : { host: "127.0.0.1", port: defaults.freePort };
  const http = seen.has("listen")
    ? serveAddress("--listen", seen.get("listen") ?? "")
    : { host: "127.0.0.1", port: defaults.freeHttpPort ?? defaults.freePort + 1 };
  const ownCert = seen.has("smtp-tls-cert");
  const caFile = ownCert ? undefined : seen.get("ca-out") ?? defaults.defaultCaFile;
  const argv = [
    ...(seen.has("smtp") ? [] : [`--smtp=127.0.0.1:${smtp.port}`]),
    ...(seen.has("listen") ? [] : [`--listen=127.0.0.1:${http.port}`]),
    ...(ownCert || seen.has("ca-out") || !caFile ? [] : [`--ca-out=${caFile}`]),
    ...args,
  ];
  return {
    argv,
    host: probeHost(smtp.host),
    port: smtp.port,
    createMailbox: false,
    httpHost: probeHost(http.host),
    httpPort: http.port,
    ...(caFile ? { caFile } : {}),
  };
}

/**
 * The full argv (after the persona name) and where the server will listen.
 * @param {string} persona one of {@link PERSONAS}
 * @param {string[]} args the user's arguments, already split
 * @param {PlanDefaults} defaults
 * @returns {LaunchPlan}
 */
export function planLaunch(persona, args, defaults) {
  switch (persona) {
    case "smtpmock":
      return planSmtpmock(args, defaults);
    case "mockmta":
      return planMockmta(args, defaults);
    case "msmtpd":
      return planMsmtpd(args, defaults);
    case "serve":
      return planServe(args, defaults);
    default:
      throw new Error(`persona must be one of ${PERSONAS.join(", ")}; got "${persona}"`);
  }
}
