/**
 * mocksmtp command line: `mocksmtp <smtpmock|mockmta|msmtpd> [flags…]`, or the binary invoked
 * under a persona's name.
 *
 * @module
 */
import { host } from "./src/cli/io.ts";
import { main } from "./src/cli/main.ts";
import { invokedName } from "./src/cli/invoked.ts";

if (import.meta.main) {
  const code = await main(host.args, await invokedName(host));
  host.exit(code);
}
