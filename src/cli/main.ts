/**
 * `mocksmtp` dispatch: by subcommand (`mocksmtp smtpmock …`) or by the name the binary was
 * invoked as (a copy or symlink named `smtpmock`, `mockmta` or `msmtpd`).
 */
import { VERSION } from "../version.ts";
import { processIO, type ProgramIO } from "./io.ts";
import { type PersonaName, PERSONAS } from "./personas.ts";

const HELP = `Usage: mocksmtp <persona> [flags…]
       mocksmtp --version | --help
       mocksmtp link DIR      create smtpmock, mockmta and msmtpd symlinks in DIR

Personas (each takes the original tool's command line; see <persona> -h / -? / --help):
${Object.entries(PERSONAS).map(([n, p]) => `  ${n.padEnd(10)}${p.summary}`).join("\n")}

Invoked through a link or copy named after a persona, the binary behaves as that persona.
Exit codes are the persona's own; mocksmtp itself exits 2 on an unknown persona.
`;

/** The persona a program name selects: `smtpmock`, `/usr/bin/mockmta`, `msmtpd.exe`. */
export function personaFromName(invoked: string): PersonaName | null {
  const base = invoked.split(/[\\/]/).pop()!.replace(/\.exe$/i, "");
  return base in PERSONAS ? base as PersonaName : null;
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
  if (cmd === undefined || cmd === "--help" || cmd === "-h" || cmd === "help") {
    (cmd === undefined ? out.stderr : out.stdout)(HELP);
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === "link") return (await import("./link.ts")).link(rest, out);
  const persona = personaFromName(cmd);
  if (!persona) {
    out.stderr(`mocksmtp: unknown persona '${cmd}' (try: mocksmtp --help)\n`);
    return 2;
  }
  return PERSONAS[persona].run(rest, io ?? processIO(persona));
}
