// Property-based tests of the serve dialect without sockets (tests/helpers/engine_properties.ts):
// chunking never changes replies or messages, the engine never throws, buffering stays within
// the caps. Fixed seeds and a few runs here; `deno task property --dialect esmtp` runs them long.
import { esmtp, propertyTests } from "./helpers/engine_properties.ts";

propertyTests(esmtp, { numRuns: 300, seed: 0x5eed50 });
