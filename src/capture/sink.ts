/**
 * The store as a sink, so any persona can capture into it (smtpmock + the HTTP API, mockmta
 * with `--http-api`, serve): the reply to the final dot waits until the message is listed,
 * so a test that reads right after `250` finds it.
 */
import type { DeliveryResult, ReceivedMessage, Sink } from "../smtp/message.ts";
import type { AddExtras, CaptureStore } from "./store.ts";

/**
 * A sink adding every message to `store`; `extras` gives what the embedder knows beside the
 * message (lint findings, the transcript, tags) at the time it arrives.
 */
export function captureSink(
  store: CaptureStore,
  extras?: (message: ReceivedMessage) => AddExtras | undefined,
): Sink {
  return {
    async deliver(message: ReceivedMessage): Promise<DeliveryResult> {
      try {
        await store.add(message, extras?.(message));
        return { ok: true };
      } catch (e) {
        // Not expected (parsing never throws), but a sink answers rather than rejects.
        return { ok: false, temporary: true, reason: `capture failed: ${e}` };
      }
    },
  };
}
