/**
 * mocksmtp's long extension options on clones whose own parser must not see them (mockmta's
 * short-option getopt, msmtpd's getopt_long, where a new table entry would make msmtpd's
 * abbreviations ambiguous): taken out of argv by exact name before the clone parses the rest.
 */

/** What {@link takeLongOption} found. */
export type TakenOption =
  | { ok: true; value: string | undefined; rest: string[] }
  | { ok: false; error: string };

/**
 * Takes every `--NAME=VALUE` / `--NAME VALUE` out of `argv` (the last one wins) up to a `--`.
 * `takesNext(arg)` tells which of the clone's own options consume the following word, so a
 * value such as `--command --NAME` is left alone.
 */
export function takeLongOption(
  argv: readonly string[],
  name: string,
  takesNext: (arg: string) => boolean,
): TakenOption {
  const rest: string[] = [];
  let value: string | undefined;
  const flag = `--${name}`;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg === flag) {
      if (i + 1 >= argv.length) {
        return { ok: false, error: `option '${flag}' requires an argument` };
      }
      value = argv[++i];
    } else if (arg.startsWith(`${flag}=`)) {
      value = arg.slice(flag.length + 1);
    } else {
      rest.push(arg);
      if (takesNext(arg) && i + 1 < argv.length) rest.push(argv[++i]);
    }
  }
  return { ok: true, value, rest };
}

/** Where an HTTP API listens. */
export interface HttpAddress {
  host: string;
  port: number;
}

/**
 * `HOST:PORT`, `[IPv6]:PORT`, `:PORT` or `PORT` (no host: 127.0.0.1); port 0 picks a free one.
 * Null for anything else.
 */
export function parseHttpAddress(value: string): HttpAddress | null {
  const m = value.match(/^(?:(?:\[([^\]]+)\]|([^:\[\]]*)):)?(\d{1,5})$/);
  const port = Number(m?.[3]);
  if (!m || port > 65535) return null;
  return { host: m[1] ?? (m[2] || "127.0.0.1"), port };
}
