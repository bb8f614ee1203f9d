/**
 * A byte-exact SMTP test client over node:net: send literal bytes, expect literal bytes,
 * await the server's close. Reading waits for events, never for a fixed time.
 */
import net from "node:net";

export class RawClient {
  #buf = Buffer.alloc(0);
  #ended = false;
  #wake: (() => void) | null = null;

  private constructor(readonly socket: net.Socket) {
    socket.on("data", (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      this.#notify();
    });
    socket.on("end", () => this.#finish());
    socket.on("close", () => this.#finish());
    socket.on("error", () => this.#finish());
  }

  static connect(port: number, host = "127.0.0.1"): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host, () => resolve(new RawClient(s)));
      s.once("error", reject);
    });
  }

  #finish() {
    this.#ended = true;
    this.#notify();
  }

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
      this.socket.write(data, (e) => e ? reject(e) : resolve())
    );
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

  close(): void {
    this.socket.destroy();
  }
}

/**
 * Runs a transcript of `C:`/`S:` steps: each client chunk is sent, each server chunk must
 * arrive byte for byte. Returns the client for further steps.
 */
export async function transcript(
  client: RawClient,
  steps: Array<["C" | "S", string]>,
  check: (actual: string, expected: string, step: number) => void,
): Promise<void> {
  for (const [i, [who, bytes]] of steps.entries()) {
    if (who === "C") await client.send(bytes);
    else check(await client.expect(bytes), bytes, i);
  }
}
