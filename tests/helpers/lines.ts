/**
 * Line-at-a-time readers for transport tests, one over a {@link Wire} (server side) and one over
 * a `node:stream` duplex (client side). Lines keep their CRLF, so tests compare exact bytes.
 */
import type { Duplex } from "node:stream";
import type { Wire } from "../../src/smtp/wire.ts";

/** Reads lines; `null` once the input ended (a trailing partial line is dropped). */
export interface Lines {
  next(): Promise<string | null>;
}

/** Lines from a stream that can be handed on (e.g. to `tls.connect`) afterwards. */
export interface StreamLines extends Lines {
  /** Stops listening and pauses the stream; returns what was received but not read. */
  release(): string;
}

const latin1 = new TextDecoder("latin1");

/** Lines from a wire. Bytes after the returned line stay in this reader, never in the wire. */
export function wireLines(wire: Wire): Lines {
  let buffered = "";
  return {
    async next() {
      for (;;) {
        const [line, rest] = takeLine(buffered);
        buffered = rest;
        if (line !== null) return line;
        const chunk = await wire.read();
        if (chunk === null) return null;
        buffered += latin1.decode(chunk);
      }
    },
  };
}

/** Lines from a readable stream (a client socket, a TLS socket, a child's stdout). */
export function streamLines(stream: Duplex): StreamLines {
  let buffered = "";
  let ended = false;
  let wake: (() => void) | null = null;
  const poke = () => {
    const resolve = wake;
    wake = null;
    resolve?.();
  };
  const onData = (chunk: Uint8Array | string) => {
    buffered += typeof chunk === "string" ? chunk : latin1.decode(chunk);
    poke();
  };
  const onEnd = () => {
    ended = true;
    poke();
  };
  stream.on("data", onData);
  stream.on("end", onEnd);
  stream.on("close", onEnd);
  return {
    release() {
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("close", onEnd);
      stream.pause();
      return buffered;
    },
    async next() {
      for (;;) {
        const [line, rest] = takeLine(buffered);
        buffered = rest;
        if (line !== null) return line;
        if (ended) return null;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

/** The first complete line of `text` (CRLF kept) and what follows it; null while incomplete. */
function takeLine(text: string): [string | null, string] {
  const end = text.indexOf("\n");
  return end < 0 ? [null, text] : [text.slice(0, end + 1), text.slice(end + 1)];
}

/** Text as the bytes a wire carries. */
export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
