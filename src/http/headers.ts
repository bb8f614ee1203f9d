/**
 * A message's header fields as Mailpit's `/headers` serves them (Go's `mail.Header`): names in
 * canonical form (`Message-Id`), values unfolded, one array per name, names sorted. Read
 * from the raw bytes with a forgiving scan, so malformed mail still shows what it has.
 */

/** Go's textproto canonical form: each dash-separated word capitalised. */
export function canonicalHeaderName(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash, c) => dash + c.toUpperCase());
}

/** The bytes before the first empty line (the whole message when there is none). */
export function headerSection(data: Uint8Array): string {
  let end = data.length;
  for (let i = 0; i < data.length; i++) {
    if (data[i] !== 0x0a) continue;
    const next = data[i + 1] === 0x0d ? data[i + 2] : data[i + 1];
    if (next === 0x0a) {
      end = i;
      break;
    }
  }
  // Latin-1 would turn UTF-8 header text (SMTPUTF8) into mojibake; invalid bytes become U+FFFD.
  return new TextDecoder().decode(data.subarray(0, end));
}

/** Header fields in order of appearance: `[name as written, unfolded value]`. */
export function headerFields(data: Uint8Array): [string, string][] {
  const fields: [string, string][] = [];
  for (const line of headerSection(data).split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && fields.length > 0) {
      fields[fields.length - 1][1] += " " + line.trim();
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue; // not a field (a mbox "From " line, junk): skipped, as Go does
    fields.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return fields;
}

/** `{ "Message-Id": ["<…>"], "To": [...] }` with names sorted, as Mailpit answers. */
export function headersJson(data: Uint8Array): Record<string, string[]> {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of headerFields(data)) {
    const key = canonicalHeaderName(name);
    const values = grouped.get(key);
    if (values) values.push(value);
    else grouped.set(key, [value]);
  }
  return Object.fromEntries([...grouped].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
