// Counts test cases and failures in JUnit XML files; prints "N passed, N failed".
// A missing or unreadable report counts as one failure, so a crashed runner never looks green.
import { readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
  let xml;
  try {
    xml = readFileSync(file, "utf8");
  } catch {
    console.error(`missing test report: ${file}`);
    failed++;
    continue;
  }
  const cases = xml.match(/<testcase\b[\s\S]*?(?:\/>|<\/testcase>)/g) ?? [];
  for (const c of cases) {
    if (/<skipped\b/.test(c)) continue;
    if (/<(failure|error)\b/.test(c)) failed++;
    else passed++;
  }
  if (cases.length === 0) {
    console.error(`no test cases in ${file}`);
    failed++;
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
