/**
 * mocksmtp command line: `mocksmtp <smtpmock|mockmta|msmtpd> [flags…]`, or the binary invoked
 * under a persona's name.
 *
 * @module
 */
import process from "node:process";
import { main } from "./src/cli/main.ts";
import { invokedName } from "./src/cli/invoked.ts";

if (import.meta.main) {
  const code = await main(process.argv.slice(2), invokedName());
  process.exit(code);
}
