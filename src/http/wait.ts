/**
 * Server-side waits (`?wait=N&timeout=MS`): answered as soon as N messages match, woken by the
 * arrival itself through the store, or 408 with what did match when the time is up.
 */
import type { ApiState, Ctx } from "./state.ts";
import { fail } from "./state.ts";
import { WaitTimeoutError } from "../capture/store.ts";

const MAX_TIMEOUT = 2 ** 31 - 1; // setTimeout's limit
const DEFAULT_TIMEOUT = 5000;

/** A parsed wait request, or an error text for a 400. */
export type WaitRequest = { count: number; timeout: number } | { error: string } | null;

/** Reads `wait` and `timeout`; null when `wait` is absent. */
export function waitRequest(c: Ctx): WaitRequest {
  const wait = c.req.query("wait");
  if (wait === undefined) return null;
  const timeout = c.req.query("timeout") ?? String(DEFAULT_TIMEOUT);
  if (!/^\d+$/.test(wait) || !Number.isSafeInteger(Number(wait))) {
    return { error: "wait must be a number of messages (0 or more)" };
  }
  if (!/^\d+$/.test(timeout) || Number(timeout) > MAX_TIMEOUT) {
    return { error: `timeout must be milliseconds from 0 to ${MAX_TIMEOUT}` };
  }
  return { count: Number(wait), timeout: Number(timeout) };
}

/** The outcome of a wait: what matched, and whether enough did in time. */
export type WaitOutcome = { matched: boolean } | Response;

/**
 * Waits until `count` messages match `query`. Resolves `{ matched }` (false on timeout), or
 * a 503 Response when the API closes meanwhile. A client that hangs up leaves its wait to
 * run out (bounded by its timeout): runtimes do not all tell a handler that its client left.
 */
export async function waitForMatches(
  c: Ctx,
  state: ApiState,
  query: string | undefined,
  count: number,
  timeout: number,
): Promise<WaitOutcome> {
  try {
    await state.store.waitFor(query, count, { timeout, signal: state.closing });
    return { matched: true };
  } catch (e) {
    if (state.closing.aborted) return fail(c, "the HTTP API is closing", 503);
    if (e instanceof WaitTimeoutError) return { matched: false };
    throw e;
  }
}
