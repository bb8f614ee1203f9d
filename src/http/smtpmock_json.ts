/**
 * An smtpmock record as the HTTP API serves it: go-smtp-mock's `Message` fields (camelCased,
 * as the library has them), the envelope and the client's address. The body is text in
 * `msgRequest`; its exact bytes are at `/api/messages/I/raw`.
 */
import type { SmtpmockRecord } from "../smtp/smtpmock/record.ts";

/**
 * The JSON object of one message: every field of the record but its bytes (those are at
 * `/raw`), plus its position in the list (0 = oldest since the last purge) and byte `size`.
 */
export type SmtpmockJson = { index: number } & Omit<SmtpmockRecord, "raw"> & { size: number };

export function smtpmockJson(r: SmtpmockRecord, index: number): SmtpmockJson {
  const { raw, ...fields } = r;
  return { index, ...fields, size: raw.length };
}

/** The raw body bytes of a record. */
export const smtpmockRaw = (r: SmtpmockRecord): Uint8Array => r.raw;
