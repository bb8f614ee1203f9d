/** The address of an extension HTTP API flag (`-httpApi`, `--http-api`). */

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
