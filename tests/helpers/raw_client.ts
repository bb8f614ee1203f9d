/**
 * Byte-exact SMTP test clients: send literal bytes, expect literal bytes, await the server's
 * close. {@link StreamClient} works over any readable/writable pair (a socket, a TLS socket, a
 * child's stdout and stdin); {@link RawClient} is one over a TCP connection. Reading waits for
 * events, never for a fixed time.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import net from "node:net";
import { Duplex, type Readable, type Writable } from "node:stream";

export class StreamClient {
  #buf = Buffer.alloc(0);
  #ended = false;
  #wake: (() => void) | null = null;

  /** Reads come from `input`, writes go to `output` (the same object for a socket). */
  constructor(readonly input: Readable, readonly output: Writable) {
    input.on("data", this.#onData);
    input.on("end", this.#finish);
    input.on("close", this.#finish);
    input.on("error", this.#finish);
    output.on("error", () => {}); // the peer may be gone before we stop writing
  }

  #onData = (d: Uint8Array) => {
    this.#buf = Buffer.concat([this.#buf, d]);
    this.#notify();
  };

  #finish = () => {
    this.#ended = true;
    this.#notify();
  };

  #notify() {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  #changed(): Promise<void> {
    return new Promise((r) => this.#wake = r);
  }

  get ended(): boolean {
    return this.#ended;
  }

  send(data: string | Uint8Array): Promise<void> {
    return new Promise((resolve, reject) =>
      this.output.write(data, (e) => e ? reject(e) : resolve())
    );
  }

  /** Closes our writing side: the server sees end of input. */
  end(): void {
    this.output.end();
  }

  /** Exactly `n` bytes (fewer only if the server closed first). */
  async readBytes(n: number): Promise<string> {
    while (this.#buf.length < n && !this.#ended) await this.#changed();
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(out.length);
    return out.toString("latin1");
  }

  /** One reply line including CRLF ("" if the server closed). */
  async readLine(): Promise<string> {
    for (;;) {
      const i = this.#buf.indexOf("\n");
      if (i >= 0) return this.readBytes(i + 1);
      if (this.#ended) return this.readBytes(this.#buf.length);
      await this.#changed();
    }
  }

  /** A complete (possibly multi-line) reply. */
  async readReply(): Promise<string> {
    let out = "";
    for (;;) {
      const line = await this.readLine();
      out += line;
      if (line === "" || line[3] !== "-") return out;
    }
  }

  /** Reads exactly as many bytes as `expected` has and returns them for comparison. */
  expect(expected: string): Promise<string> {
    return this.readBytes(Buffer.byteLength(expected, "latin1"));
  }

  /** Resolves with whatever arrived before the server closed the connection. */
  async closed(): Promise<string> {
    while (!this.#ended) await this.#changed();
    const rest = this.#buf.toString("latin1");
    this.#buf = Buffer.alloc(0);
    return rest;
  }

  /** Stops reading here and returns one duplex over the pair (for a TLS client). */
  duplex(): Duplex {
    assert.equal(this.#buf.length, 0, "unread plaintext before the handshake");
    this.input.off("data", this.#onData);
    this.input.off("end", this.#finish);
    this.input.off("close", this.#finish);
    this.input.off("error", this.#finish);
    return joinPipes(this.input, this.output);
  }
}

export class RawClient extends StreamClient {
  private constructor(readonly socket: net.Socket) {
    super(socket, socket);
  }

  static connect(port: number, host = "127.0.0.1"): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host, () => resolve(new RawClient(s)));
      s.once("error", reject);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * Connects as soon as a server on `port` accepts, for servers that print nothing when ready:
 * with no event to await, failed connections are retried every 20 ms. Gives up once `exited`
 * (the server's process) has settled, or after `timeoutMs`.
 */
export async function connectWhenUp(
  port: number,
  exited?: Promise<unknown>,
  timeoutMs = 30_000,
): Promise<RawClient> {
  let gone = false;
  exited?.then(() => gone = true, () => gone = true);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gone) throw new Error(`the server for port ${port} exited before it accepted`);
    try {
      return await RawClient.connect(port);
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Two one-way streams as one duplex: reads come from `input`, writes go to `output`. */
export function joinPipes(input: Readable, output: Writable): Duplex {
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
  });
  input.on("data", (chunk: Uint8Array) => {
    if (!duplex.push(chunk)) input.pause();
  });
  input.on("end", () => duplex.push(null));
  // The peer may be gone before we stop writing: EPIPE is expected then, not a failure.
  output.on("error", () => {});
  return duplex;
}

/** A transcript step: the client sends (`C`) or the server must send (`S`) these bytes. */
export type Step = ["C" | "S", string];

/**
 * Runs a transcript of `C:`/`S:` steps: each client chunk is sent, each server chunk must
 * arrive byte for byte.
 */
export async function transcript(
  client: StreamClient,
  steps: Step[],
  check: (actual: string, expected: string, step: number) => void,
): Promise<void> {
  for (const [i, [who, bytes]] of steps.entries()) {
    if (who === "C") await client.send(bytes);
    else check(await client.expect(bytes), bytes, i);
  }
}

/**
 * Runs `steps` on a new connection to `port`, asserting each server chunk; a final
 * `["S", "<closed>"]` awaits the server closing with nothing more sent.
 */
export async function transcriptOn(port: number, steps: Step[]): Promise<void> {
  const client = await RawClient.connect(port);
  try {
    const last = steps[steps.length - 1];
    const closing = last[0] === "S" && last[1] === "<closed>";
    await transcript(
      client,
      closing ? steps.slice(0, -1) : steps,
      (actual, expected, i) => assert.equal(actual, expected, `step ${i}`),
    );
    if (closing) assert.equal(await client.closed(), "", "nothing after the last reply");
  } finally {
    client.close();
  }
}
