/**
 * inetd-style transport: the one connection is stdin (from the peer) + stdout (to the peer),
 * through `node:process`, which Deno and Bun both provide. STARTTLS runs over the same pair.
 */
import fs from "node:fs";
import os from "node:os";
import process from "node:process";
import { Duplex, type Readable, type Writable } from "node:stream";
import { StreamConn } from "./stream_conn.ts";
import { serverTls } from "./tls.ts";
import type { Address, Conn } from "./types.ts";

/** The address reported for a pipe (or anything but a TCP socket) on stdin. */
const NOWHERE: Address = { hostname: "", port: 0 };

/** Options of {@link stdioConn}. */
export interface StdioConnOptions {
  /**
   * Report the addresses of the TCP socket on fd 0 (inetd, systemd `Accept=yes`) as `remote`
   * and `local`, see {@link stdinSocketAddresses}; otherwise, and for a pipe, both are empty.
   */
  socketAddresses?: boolean;
}

/**
 * The conn on stdin/stdout. Create it once per process. `close()` stops reading stdin and ends
 * stdout, so nothing of it keeps the process alive.
 */
export function stdioConn(options: StdioConnOptions = {}): Conn {
  const input = process.stdin;
  const output = process.stdout;
  const { remote, local } = (options.socketAddresses && stdinSocketAddresses()) ||
    { remote: NOWHERE, local: NOWHERE };
  /** Set once STARTTLS began; closing the plain conn then also ends the TLS layer over it. */
  let tlsTransport: Duplex | undefined;
  return new StreamConn({
    input,
    output,
    remote,
    local,
    close: () => tlsTransport ? tlsTransport.destroy() : release(input, output),
    startTls: (options) => {
      tlsTransport = pair(input, output);
      return serverTls(tlsTransport, options, { remote, local });
    },
  });
}

/**
 * The two ends of the TCP socket on fd 0; `null` for anything else (a pipe, a file, a unix
 * socket) or where it cannot be found out. Neither Deno nor Bun can ask a socket they did not
 * open for its addresses (getpeername), so this reads what Linux tells every runtime alike:
 * `/proc/self/fd/0` names the socket's inode, and `/proc/net/tcp` or `tcp6` holds its addresses.
 */
export function stdinSocketAddresses(): { remote: Address; local: Address } | null {
  let target: string;
  try {
    target = fs.readlinkSync("/proc/self/fd/0");
  } catch {
    return null; // not Linux, or no /proc
  }
  const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
  if (inode === undefined) return null;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = fs.readFileSync(table, "latin1");
    } catch {
      continue;
    }
    for (const row of text.split("\n").slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const fields = row.trim().split(/\s+/);
      if (fields[9] !== inode) continue;
      const local = procAddress(fields[1]);
      const remote = procAddress(fields[2]);
      return local && remote ? { remote, local } : null;
    }
  }
  return null;
}

/**
 * `0100007F:0019` (`/proc/net/tcp`: the address as 32-bit words in host byte order, then the
 * port) → `{ hostname: "127.0.0.1", port: 25 }`; IPv6 in inet_ntop's form.
 */
export function procAddress(text: string, littleEndian = os.endianness() === "LE"): Address | null {
  const m = /^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})$/.exec(text);
  if (!m) return null;
  const bytes: number[] = [];
  for (let w = 0; w < m[1].length; w += 8) {
    const word = [0, 2, 4, 6].map((i) => parseInt(m[1].slice(w + i, w + i + 2), 16));
    bytes.push(...(littleEndian ? word.reverse() : word));
  }
  const hostname = bytes.length === 4 ? bytes.join(".") : formatIPv6(bytes);
  return { hostname, port: parseInt(m[2], 16) };
}

/**
 * glibc's inet_ntop for IPv6: lower-case groups without leading zeros, the longest run of two
 * or more zero groups (the first of equals) as `::`, and the last 32 bits as a dotted quad for
 * IPv4-mapped (`::ffff:127.0.0.1`) and IPv4-compatible addresses.
 */
export function formatIPv6(bytes: readonly number[]): string {
  const words = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => bytes[2 * i] << 8 | bytes[2 * i + 1]);
  let best = { base: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > best.len) best = { base: i, len: j - i };
    i = j;
  }
  if (best.len < 2) best = { base: -1, len: 0 };
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (best.base !== -1 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) out += ":";
      continue;
    }
    if (i !== 0) out += ":";
    if (
      i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff))
    ) {
      return out + bytes.slice(12).join(".");
    }
    out += words[i].toString(16);
  }
  if (best.base !== -1 && best.base + best.len === 8) out += ":";
  return out;
}

function release(input: Readable, output: Writable): void {
  input.pause();
  input.destroy();
  // A stream reads ahead even while paused, and destroying it does not cancel that read of
  // fd 0: on Deno 2.9 it stayed pending (and ref'd) until the peer sent more or hung up, so the
  // process could not exit. Unref it: `unref()` on Node/Bun stdin, `_handle.unref()` on Deno.
  const stdin = input as { unref?: () => void; _handle?: { unref?: () => void } };
  if (typeof stdin.unref === "function") stdin.unref();
  else stdin._handle?.unref?.();
  if (!output.writableEnded) output.end();
}

/**
 * One duplex over two one-way streams, for `tls.TLSSocket` to wrap. Reads are pulled (stdin
 * stays paused while TLS has enough buffered); destroying the duplex releases both sides.
 */
function pair(input: Readable, output: Writable): Duplex {
  const onData = (chunk: Uint8Array) => {
    if (!duplex.push(chunk)) input.pause();
  };
  const onEnd = () => duplex.push(null);
  const duplex: Duplex = new Duplex({
    read() {
      input.resume();
    },
    write(chunk, _encoding, callback) {
      output.write(chunk, callback);
    },
    final(callback) {
      output.end(callback);
    },
    destroy(err, callback) {
      input.off("data", onData);
      input.off("end", onEnd);
      release(input, output);
      callback(err);
    },
  });
  input.on("data", onData);
  input.on("end", onEnd);
  // Failures reach the TLS socket on top as a close; an unheard 'error' would kill the process.
  duplex.on("error", () => {});
  return duplex;
}
