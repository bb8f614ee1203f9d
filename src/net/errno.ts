/**
 * The one errno table: every runtime error that leaves a transport carries a POSIX errno name
 * (`EADDRINUSE`, `ECONNRESET`…), whatever the runtime called it. Node and Bun put it in `code`;
 * Deno often does too, but some of its errors only say it by their class (`Deno.errors.*`).
 * Personas then turn codes into their own texts (see {@link strerror}) and never need to know
 * which runtime ran them.
 */

/** Deno's error classes by the errno they stand for (what Deno's own mapping folds together). */
const DENO_CLASSES: Record<string, string> = {
  AddrInUse: "EADDRINUSE",
  AddrNotAvailable: "EADDRNOTAVAIL",
  PermissionDenied: "EACCES",
  ConnectionRefused: "ECONNREFUSED",
  ConnectionReset: "ECONNRESET",
  ConnectionAborted: "ECONNABORTED",
  NotConnected: "ENOTCONN",
  BrokenPipe: "EPIPE",
  TimedOut: "ETIMEDOUT",
  NotFound: "ENOENT",
  AlreadyExists: "EEXIST",
  Interrupted: "EINTR",
  WouldBlock: "EAGAIN",
  NetworkUnreachable: "ENETUNREACH",
};

/** The code of an error we cannot name. */
export const UNKNOWN_ERRNO = "EUNKNOWN";

/** The errno name of a runtime error (`code`, else its Deno class), or {@link UNKNOWN_ERRNO}. */
export function errnoCode(e: unknown): string {
  const err = e as { code?: unknown; name?: unknown } | null | undefined;
  if (typeof err?.code === "string" && /^E[A-Z0-9]+$/.test(err.code)) return err.code;
  if (typeof err?.name === "string" && Object.hasOwn(DENO_CLASSES, err.name)) {
    return DENO_CLASSES[err.name];
  }
  return UNKNOWN_ERRNO;
}

/** glibc's `strerror()` texts of the codes a listener reports, what C programs print for `%m`. */
const GLIBC_TEXTS: Record<string, string> = {
  EADDRINUSE: "Address already in use",
  EADDRNOTAVAIL: "Cannot assign requested address",
  EACCES: "Permission denied",
};

/** glibc's text for `code`, or `undefined` when the table does not hold it. */
export function strerror(code: string | undefined): string | undefined {
  return code !== undefined && Object.hasOwn(GLIBC_TEXTS, code) ? GLIBC_TEXTS[code] : undefined;
}

/** The message of anything thrown (a non-Error as its string form). */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
