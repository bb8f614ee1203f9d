// Adds up JUnit XML reports and prints "N passed, N failed" as the last line.
// Arguments: NAME:EXITCODE:FILE per runner. A missing report, an empty one, or a runner that
// exited non-zero without reporting a failure (crash, hang, timeout) counts as one failure,
// so a broken runner never looks green. Exit status 1 if anything failed.
import { readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
for (const arg of process.argv.slice(2)) {
  const [name, code, file] = arg.split(":");
  let xml = "";
  try {
    xml = readFileSync(file, "utf8");
  } catch {
    console.error(`${name}: no test report (${file})`);
  }
  const cases = xml.match(/<testcase\b[\s\S]*?(?:\/>|<\/testcase>)/g) ?? [];
  let runnerFailed = 0;
  for (const c of cases) {
    if (/<skipped\b/.test(c)) continue;
    if (/<(failure|error)\b/.test(c)) runnerFailed++;
    else passed++;
  }
  if (cases.length === 0 || (code !== "0" && runnerFailed === 0)) {
    console.error(`${name}: runner exited ${code} with ${cases.length} test cases reported`);
    runnerFailed++;
  }
  failed += runnerFailed;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
