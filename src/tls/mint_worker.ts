/**
 * Mints in a worker thread: loading the X.509 library takes ~50 ms of JavaScript evaluation,
 * which on the main thread would hold back the greeting of any client that connects meanwhile.
 * Receives the extra names, answers with the {@link MintedTls} or `{ error }`.
 */
import { mintTls } from "./mint.ts";

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<string[]>) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
};

scope.onmessage = async (e) => {
  try {
    scope.postMessage(await mintTls(e.data));
  } catch (err) {
    scope.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
  scope.close();
};
