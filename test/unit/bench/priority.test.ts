import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

function sessionOf(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
}

/** `--priority`: the bench re-runs itself as a session of its own, whose priority it raises. */
describe('bench --priority', function () {
  this.timeout(30_000);

  it('runs the benchmark in a new session (its own autogroup), whose priority it raises', async function () {
    if (process.platform !== 'linux') this.skip();
    const directory = mkdtempSync(path.join(os.tmpdir(), 'bench-priority-'));
    try {
      const script = path.join(directory, 'probe.ts');
      writeFileSync(
        script,
        `import { readFileSync } from 'node:fs';
import { raisePriority, runInPrioritySession } from ${JSON.stringify(path.resolve(__dirname, '../../../bench/priority'))};
const delegated = runInPrioritySession();
if (delegated !== undefined) delegated.then((code) => process.exit(code));
else console.log(JSON.stringify({ stat: readFileSync('/proc/self/stat', 'utf8'), priority: raisePriority() }));
`,
      );
      const { stdout } = await run(process.execPath, ['--import', 'tsx', script, '--priority'], { cwd: path.resolve(__dirname, '../../..') });
      const child = JSON.parse(stdout) as { stat: string; priority: string };
      const ours = readFileSync('/proc/self/stat', 'utf8');
      assert.notEqual(sessionOf(child.stat), sessionOf(ours), 'the benchmark runs as a session of its own');
      assert.match(child.priority, /^(priority raised|normal priority \(--priority needs root)/);
      if (process.getuid?.() === 0) assert.match(child.priority, /priority raised/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
