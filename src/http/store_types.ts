/**
 * The parts of the capture store (src/capture/store.ts `CaptureStore`) the HTTP API uses,
 * named here so the API depends on the shape, not on the module.
 */
import type { ReceivedMessage } from "../smtp/message.ts";

/** One stored message. */
export interface StoredMessageLike {
  /** Mailpit-style ID. */
  id: string;
  /** Arrival number, 1 for the first. */
  seq: number;
  message: ReceivedMessage;
  size: number;
  tags: string[];
  read: boolean;
  lint?: unknown[];
  transcript?: unknown;
}

/** A store event, for websockets and server-sent events. */
export type StoreEventLike =
  | { type: "new"; message: StoredMessageLike }
  | { type: "delete"; ids: string[] }
  | { type: "clear" }
  | { type: string };

/** What the HTTP API needs from the store. */
export interface MailpitStore {
  get(id: string): StoredMessageLike | undefined;
  list(query?: string): StoredMessageLike[];
  delete(idsOrQuery: string[] | string): number | unknown;
  clear(): void;
  waitFor(
    query: string,
    count: number,
    options: { timeout?: number; signal?: AbortSignal },
  ): Promise<StoredMessageLike[]>;
  subscribe(listener: (event: StoreEventLike) => void): () => void;
}
