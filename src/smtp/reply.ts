/** Reply encoding shared by every dialect. */
const encoder = new TextEncoder();
const cache = new Map<string, Uint8Array>();

/** `text` + CRLF as UTF-8 bytes (cached: dialects send the same few texts all day). */
export function encodeReply(text: string): Uint8Array {
  let bytes = cache.get(text);
  if (!bytes) {
    bytes = encoder.encode(text + "\r\n");
    if (cache.size < 1024) cache.set(text, bytes);
  }
  return bytes;
}

/** Multi-line reply: `250-a`, `250-b`, `250 c`, one CRLF each. */
export function encodeMultiline(code: number, lines: string[]): Uint8Array {
  const text = lines.map((l, i) => `${code}${i === lines.length - 1 ? " " : "-"}${l}`).join("\r\n");
  return encodeReply(text);
}

const decoder = new TextDecoder();

/** Bytes to text for matching; invalid UTF-8 becomes U+FFFD, which no grammar accepts. */
export function decodeLine(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** `host:port` the way Go prints a TCP address (IPv6 in brackets). */
export function hostPort(a: { hostname: string; port: number }): string {
  return a.hostname.includes(":") ? `[${a.hostname}]:${a.port}` : `${a.hostname}:${a.port}`;
}
