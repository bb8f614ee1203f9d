/**
 * A clock whose timers are set only once a promise settles: serve's sessions use it until the
 * first greeting is out. On Deno 2.9 the first `setTimeout` of a process sets up part of Node's
 * compatibility layer (its timers return Node's `Timeout`), ~4 ms, and the first session arms
 * its idle timer before its greeting (lint reads ahead for early talkers). A timer asked for
 * earlier keeps its due time; a wait of minutes does not notice a few milliseconds.
 */
import type { Clock } from "../smtp/clock.ts";

/** A timer asked for before `ready`: set then, unless cleared first. */
class PendingTimer {
  cleared = false;
  handle: unknown = undefined;
}

/** `clock`, with every timer asked for before `ready` settles set only when it does. */
export function deferredClock(clock: Clock, ready: Promise<unknown>): Clock {
  let open = false;
  const opened = ready.then(() => void (open = true), () => void (open = true));
  return {
    now: () => clock.now(),
    setTimeout(fn, ms) {
      if (open) return clock.setTimeout(fn, ms);
      const due = clock.now() + ms;
      const pending = new PendingTimer();
      opened.then(() => {
        if (!pending.cleared) pending.handle = clock.setTimeout(fn, due - clock.now());
      });
      return pending;
    },
    clearTimeout(handle) {
      if (!(handle instanceof PendingTimer)) return clock.clearTimeout(handle);
      handle.cleared = true;
      if (handle.handle !== undefined) clock.clearTimeout(handle.handle);
    },
  };
}
