/**
 * A sink that keeps each accepted message in a capture store, so any persona's mail can be
 * read over the Mailpit-shaped HTTP API (`startMailpitApi({ store })`).
 */
import type { CaptureStore } from "../capture/store.ts";
import type { DeliveryResult, ReceivedMessage, Sink } from "../smtp/message.ts";

/**
 * @example Any library server's mail in a store, served over HTTP
 * ```ts
 * import { CaptureStore } from "../capture/store.ts";
 * import { CaptureSink } from "./capture.ts";
 * import { MockmtaServer } from "../api/mockmta.ts";
 * import { startMailpitApi } from "../http/mailpit.ts";
 *
 * const store = new CaptureStore();
 * await using server = await MockmtaServer.start({ sink: new CaptureSink(store) });
 * await using api = await startMailpitApi({ store });
 * const list = await (await fetch(`${api.url}/api/v1/messages`)).json();
 * if (list.total !== 0 || server.port === 0) throw new Error("nothing sent yet");
 * ```
 */
export class CaptureSink implements Sink {
  constructor(readonly store: CaptureStore) {}

  /** Stores the message; it is listed by the time the client reads its `250`. */
  async deliver(message: ReceivedMessage): Promise<DeliveryResult> {
    await this.store.add(message);
    return { ok: true };
  }
}
