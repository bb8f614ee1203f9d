/**
 * mocksmtp's extension long options (`--fault RULE`) on a persona whose own parser is plain
 * getopt: they are taken out of argv before getopt sees it, so the persona's own options,
 * operands and diagnostics stay exactly as they were. Only exact names are taken (no prefix
 * abbreviation); a word that is the argument of a short option (`-p --fault`) is left alone.
 *
 * @module
 */

/** An extension long option: its name without `--`, and whether it takes an argument. */
export interface ExtensionOption {
  readonly name: string;
  readonly hasArg: boolean;
}

/** What was taken, in command-line order, and the argv left for getopt. */
export type ExtensionResult =
  | {
    ok: true;
    options: Array<{ name: string; value?: string }>;
    rest: string[];
  }
  | { ok: false; error: string };

/**
 * Takes `specs`' options out of `argv`, walking it as glibc's getopt with `shortopts` would
 * (clusters, attached or separate arguments, permuted operands, `--` ending options).
 * Errors use getopt_long's wording, prefixed by `prog`.
 */
export function takeExtensionOptions(
  prog: string,
  argv: readonly string[],
  shortopts: string,
  specs: readonly ExtensionOption[],
): ExtensionResult {
  const options: Array<{ name: string; value?: string }> = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (word.startsWith("--")) {
      const eq = word.indexOf("=");
      const name = word.slice(2, eq < 0 ? undefined : eq);
      const spec = specs.find((s) => s.name === name);
      if (!spec) {
        rest.push(word);
        continue;
      }
      if (!spec.hasArg) {
        if (eq >= 0) {
          return { ok: false, error: `${prog}: option '--${name}' doesn't allow an argument` };
        }
        options.push({ name });
      } else if (eq >= 0) options.push({ name, value: word.slice(eq + 1) });
      else if (i + 1 < argv.length) options.push({ name, value: argv[++i] });
      else return { ok: false, error: `${prog}: option '--${name}' requires an argument` };
      continue;
    }
    rest.push(word);
    if (word.length < 2 || word[0] !== "-") continue; // an operand
    // A cluster: the first option that takes an argument ends it, and takes the next word
    // when nothing follows it in this one.
    for (let j = 1; j < word.length; j++) {
      const at = shortopts.indexOf(word[j]);
      if (at < 0 || word[j] === ":" || shortopts[at + 1] !== ":") continue;
      const optional = shortopts[at + 2] === ":";
      if (j === word.length - 1 && !optional && i + 1 < argv.length) rest.push(argv[++i]);
      break;
    }
  }
  return { ok: true, options, rest };
}
