/**
 * `mocksmtp` dispatch: by subcommand (`mocksmtp smtpmock …`) or by the name the binary was
 * invoked as (a copy or symlink named `smtpmock`, `mockmta` or `msmtpd`).
 */
import { VERSION } from "../version.ts";
import { processIO, type ProgramIO } from "./io.ts";
import { LINKED_PERSONAS, type PersonaName, PERSONAS } from "./personas.ts";

const HELP = `Usage: mocksmtp [serve options…]       the serve persona (mocksmtp serve --help)
       mocksmtp <persona> [flags…]
       mocksmtp --version | --help
       mocksmtp link DIR      create smtpmock, mockmta and msmtpd symlinks in DIR

Personas (each takes the original tool's command line; see <persona> -h / -? / --help):
${Object.entries(PERSONAS).map(([n, p]) => `  ${n.padEnd(10)}${p.summary}`).join("\n")}

Invoked through a link or copy named after a persona, the binary behaves as that persona.
Without arguments (or with options only) mocksmtp runs \`serve\`. Exit codes are the
persona's own; mocksmtp itself exits 2 on an unknown persona.
`;

/** The persona a program name selects: `smtpmock`, `/usr/bin/mockmta`, `msmtpd.exe`. */
export function personaFromName(invoked: string): PersonaName | null {
  const base = invoked.split(/[\\/]/).pop()!.replace(/\.exe$/i, "");
  return (LINKED_PERSONAS as readonly string[]).includes(base) ? base as PersonaName : null;
}

export async function main(argv: string[], invokedAs: string, io?: ProgramIO): Promise<number> {
  const direct = personaFromName(invokedAs);
  if (direct) return PERSONAS[direct].run(argv, io ?? processIO(invokedAs));
  const [cmd, ...rest] = argv;
  const out = io ?? processIO("mocksmtp");
  if (cmd === "--version" || cmd === "-V" || cmd === "version") {
    out.stdout(`mocksmtp ${VERSION}\n`);
    return 0;
  }
  if (cmd === "--help" || cmd === "-h" || cmd === "help") {
    out.stdout(HELP);
    return 0;
  }
  // No persona named: serve, with whatever options follow (`mocksmtp --smtp :2525`).
  if (cmd === undefined || cmd.startsWith("-")) {
    return PERSONAS.serve.run(argv, io ?? processIO("mocksmtp"));
  }
  if (cmd === "link") return (await import("./link.ts")).link(rest, out);
  const persona = cmd in PERSONAS ? cmd as PersonaName : null;
  if (!persona) {
    out.stderr(`mocksmtp: unknown persona '${cmd}' (try: mocksmtp --help)\n`);
    return 2;
  }
  return PERSONAS[persona].run(rest, io ?? processIO(persona));
}
