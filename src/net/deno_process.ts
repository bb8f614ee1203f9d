/**
 * {@link ProcessHost} on `Deno.*`, leaving Deno's Node compatibility layer unloaded (see
 * runtime.ts). Writes are synchronous, as `node:process`'s stdout and stderr are on Deno, so
 * there is never anything left to flush.
 */
import type { ProcessHost } from "./runtime.ts";

export function denoProcess(): ProcessHost {
  const encoder = new TextEncoder();
  return {
    args: Deno.args,
    execPath: Deno.execPath(),
    // Deno has no argv[0] of its own; a compiled binary reaches here, where time does not count.
    argv0: async () => (await import("node:process")).default.argv0,
    write(fd, text) {
      const file = fd === 1 ? Deno.stdout : Deno.stderr;
      let bytes = encoder.encode(text);
      try {
        while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
      } catch (e) {
        // Not the caller's error: like node:process's streams (and a Go program's SIGPIPE), a
        // closed stdout ends the process instead of the session that happened to log.
        queueMicrotask(() => {
          throw e;
        });
      }
    },
    flush: () => Promise.resolve(),
    onSignal(signal, handler) {
      Deno.addSignalListener(signal, handler);
      return () => Deno.removeSignalListener(signal, handler);
    },
    exit: (code) => Deno.exit(code),
  };
}
