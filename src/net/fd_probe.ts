/**
 * Are file descriptors free? Bun's accept loop (Bun.listen and node:net alike) retries an
 * accept that failed with EMFILE at once and forever, without telling JavaScript: the process
 * spins at full CPU while the shortage lasts. Deno's node:net (2.9) stops accepting for good,
 * also silently. The transports ask this instead after each accepted connection, and stop
 * listening before the kernel's accept would fail.
 */
import { closeSync, openSync } from "node:fs";
import { AcceptError } from "./types.ts";

/**
 * `null` while `count` more descriptors can be opened, else the errno (`EMFILE`: this process
 * is at its limit; `ENFILE`: the system is).
 */
export function fdShortage(count = 1): string | null {
  const opened: number[] = [];
  try {
    while (opened.length < count) opened.push(openSync("/dev/null", "r"));
    return null;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === "EMFILE" || code === "ENFILE") return code;
    // No /dev/null (a sandbox, another OS): no way to tell, so no shortage is assumed.
    return null;
  } finally {
    for (const fd of opened) closeSync(fd);
  }
}

/** What accept() reports while a transport does not listen for want of descriptors. */
export function fdShortageError(code: string): AcceptError {
  const who = code === "ENFILE" ? "the system" : "the process";
  return new AcceptError(`accept: ${who} is out of file descriptors`, code);
}
