// Closing lines of a jest run: the attack suite's own tally (`security N/M passed`, counted over
// test/security/) and the whole run's `N passed, N failed` for readers of CI logs.
const { sep } = require('node:path');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const security = results.testResults.filter((f) => f.testFilePath.includes(`${sep}test${sep}security${sep}`));
    if (security.length) {
      const tests = security.flatMap((f) => f.testResults).filter((t) => t.status !== 'pending' && t.status !== 'skipped');
      const broken = security.filter((f) => f.testExecError).length;
      const passed = tests.filter((t) => t.status === 'passed').length;
      process.stdout.write(`security ${passed}/${tests.length + broken} passed\n`);
    }
    process.stdout.write(`jest: ${results.numPassedTests} passed, ${results.numFailedTests + results.numRuntimeErrorTestSuites} failed, ${results.numPendingTests} skipped\n`);
  }
}

module.exports = SummaryReporter;
