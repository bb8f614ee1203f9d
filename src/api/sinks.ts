/** How the library's servers combine their sink options into the one sink a dialect gets. */
import { type Sink, Sinks } from "../smtp/message.ts";

/** `first` then `more`, as one sink; `undefined` when there is none at all. */
export function oneSink(first: Sink | undefined, more: readonly Sink[] = []): Sink | undefined {
  const all = first ? [first, ...more] : [...more];
  return all.length <= 1 ? all[0] : new Sinks(all);
}
