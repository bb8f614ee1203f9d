// The one errno table (src/net/errno.ts): whatever the runtime, a transport's errors carry the
// POSIX errno name, so personas map codes to their texts without knowing Deno's class names.
import { test } from "node:test";
import assert from "node:assert/strict";
import { errnoCode, errorMessage, strerror, UNKNOWN_ERRNO } from "../src/net/errno.ts";
import { listen } from "../src/net/runtime.ts";
import { ListenError } from "../src/net/types.ts";

test("errno: a code is kept, a Deno class is named by its errno, anything else is unknown", () => {
  assert.equal(errnoCode({ code: "EMFILE", name: "Error" }), "EMFILE");
  assert.equal(errnoCode({ name: "AddrInUse" }), "EADDRINUSE");
  assert.equal(errnoCode({ name: "AddrNotAvailable" }), "EADDRNOTAVAIL");
  assert.equal(errnoCode({ name: "PermissionDenied" }), "EACCES");
  assert.equal(errnoCode({ name: "ConnectionReset" }), "ECONNRESET");
  assert.equal(errnoCode({ name: "NotConnected" }), "ENOTCONN");
  // Node's own codes that are no errno (ERR_…) say nothing about the system call.
  assert.equal(errnoCode({ code: "ERR_SOCKET_BAD_PORT", name: "RangeError" }), UNKNOWN_ERRNO);
  assert.equal(errnoCode({ name: "toString" }), UNKNOWN_ERRNO);
  assert.equal(errnoCode(undefined), UNKNOWN_ERRNO);
  assert.equal(errnoCode("boom"), UNKNOWN_ERRNO);
});

test("errno: glibc's texts for the bind failures a persona reports", () => {
  assert.equal(strerror("EADDRINUSE"), "Address already in use");
  assert.equal(strerror("EADDRNOTAVAIL"), "Cannot assign requested address");
  assert.equal(strerror("EACCES"), "Permission denied");
  assert.equal(strerror("EINVAL"), undefined);
  assert.equal(strerror(undefined), undefined);
  assert.equal(errorMessage(new Error("x")), "x");
  assert.equal(errorMessage(42), "42");
});

async function listenError(hostname: string, port: number, tls: boolean): Promise<ListenError> {
  try {
    (await listen({ hostname, port, tls })).close();
  } catch (e) {
    assert.ok(e instanceof ListenError, String(e));
    return e;
  }
  throw new Error(`listening on ${hostname}:${port} succeeded`);
}

test("errno: every transport reports a taken port as EADDRINUSE", async () => {
  const taken = await listen({ hostname: "127.0.0.1", port: 0 });
  try {
    for (const tls of [false, true]) {
      const e = await listenError("127.0.0.1", taken.addr.port, tls);
      assert.equal(e.code, "EADDRINUSE", `tls: ${tls}: ${e.message}`);
    }
  } finally {
    taken.close();
  }
});

test("errno: the runtime's own listener reports an address of no interface as EADDRNOTAVAIL", async () => {
  // 192.0.2.0/24 is TEST-NET-1, on no interface of this host. (Only the plain listener: Deno's
  // node:net says EINVAL here.)
  const e = await listenError("192.0.2.55", 0, false);
  assert.equal(e.code, "EADDRNOTAVAIL", e.message);
});
