// Closing lines of a jest run: the attack suite's own tally (`security N/M passed`, counted over
// test/security/, skipped tests in M so a skipped suite never reads as passed), every skipped test by
// file and name with the reason its suite gives, and the whole run's `N passed, N failed, N skipped`.
const { relative, sep } = require('node:path');

const SKIPPED = new Set(['pending', 'skipped', 'todo', 'disabled']);
// a suite that skips says why in one placeholder test: "…: skipped, set DATABASE_URL …" or "skipped: no chromium …"
const REASON = /(?:^|[:,]\s*)skipped[,:]\s*(.+)$/i;

const fullName = (t) => [...t.ancestorTitles, t.title].join(' › ');

/** "  <file>: <reason>" then each other skipped test of it, for every file with skipped tests. */
function skippedLines(results, rootDir) {
  const lines = [];
  for (const file of results.testResults) {
    const skipped = file.testResults.filter((t) => SKIPPED.has(t.status));
    if (!skipped.length) continue;
    const reasons = [...new Set(skipped.map((t) => REASON.exec(t.title)?.[1]).filter(Boolean))];
    const named = skipped.filter((t) => !REASON.test(t.title));
    lines.push(`  ${relative(rootDir, file.testFilePath)}: ${skipped.length} skipped${reasons.length ? ` (${reasons.join('; ')})` : ''}`);
    for (const t of named) lines.push(`      ${fullName(t)}${reasons.length || /\(needs |skipped/i.test(t.title) ? '' : ' (no reason in its name)'}`);
  }
  return lines;
}

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const security = results.testResults.filter((f) => f.testFilePath.includes(`${sep}test${sep}security${sep}`));
    if (security.length) {
      const all = security.flatMap((f) => f.testResults);
      const skipped = all.filter((t) => SKIPPED.has(t.status));
      const ran = all.filter((t) => !SKIPPED.has(t.status));
      const broken = security.filter((f) => f.testExecError).length;
      const passed = ran.filter((t) => t.status === 'passed').length;
      const skippedFiles = [...new Set(security.filter((f) => f.testResults.some((t) => SKIPPED.has(t.status))).map((f) => relative(this.rootDir, f.testFilePath)))];
      process.stdout.write(`security ${passed}/${all.length + broken} passed${skipped.length ? `, ${skipped.length} skipped (not run: ${skippedFiles.join(', ')})` : ''}\n`);
    }
    const skipped = skippedLines(results, this.rootDir);
    if (skipped.length) process.stdout.write(`skipped, by file (the reason in brackets):\n${skipped.join('\n')}\n`);
    process.stdout.write(`jest: ${results.numPassedTests} passed, ${results.numFailedTests + results.numRuntimeErrorTestSuites} failed, ${results.numPendingTests + results.numTodoTests} skipped\n`);
  }
}

module.exports = SummaryReporter;
