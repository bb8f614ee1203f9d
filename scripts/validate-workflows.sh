#!/usr/bin/env bash
# Validate action.yml and .github/workflows/*.y{a,}ml against the SchemaStore schemas compiled
# into @action-validator (npm devDependency, so it works offline). Prints one line; exits 1 when a
# file is invalid, 2 when the validator cannot run.
set -uo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.." || exit 2

cli=node_modules/@action-validator/cli/cli.mjs
if [ ! -f "$cli" ]; then
  echo "validate-workflows: $cli is missing (run npm ci)"
  exit 2
fi
js=$(command -v node || command -v bun) || {
  echo "validate-workflows: needs node or bun"
  exit 2
}

# The validator prints a nested JSON report; keep the first concrete complaint and where it is.
# shellcheck disable=SC2016 # JavaScript, not shell
first_error='
let text = "";
process.stdin.on("data", (d) => (text += d)).on("end", () => {
  let report;
  try { report = JSON.parse(text.slice(text.indexOf("{"))); } catch { return console.log(text.trim().split("\n")[0]); }
  const walk = (errors) => {
    for (const e of errors ?? []) {
      for (const s of e.states ?? []) { const hit = walk(s.errors); if (hit) return hit; }
      if (e.detail || e.title) return `${e.path ?? ""} ${e.detail ?? e.title}`.trim();
    }
  };
  console.log(walk(report.errors) ?? "invalid");
});'

files=(action.yml .github/workflows/*.yml .github/workflows/*.yaml)
failures=()
for f in "${files[@]}"; do
  if [ ! -f "$f" ]; then
    failures+=("$f: missing")
  elif ! out=$("$js" "$cli" "$f" 2>&1); then
    failures+=("$f: $(printf '%s' "$out" | "$js" -e "$first_error")")
  fi
done

if [ ${#failures[@]} -gt 0 ]; then
  (
    IFS=";"
    echo "validate-workflows: FAILED ${failures[*]}"
  )
  exit 1
fi
echo "validate-workflows: ok (${files[*]})"
