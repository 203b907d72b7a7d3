import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { batchedLogWriter } from '../../../proxy/events/log-writer';

describe('batchedLogWriter', () => {
  let directory: string;
  beforeEach(() => (directory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-log-writer-'))));
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('writes the lines of many calls in one batch, later, off the caller', async () => {
    const file = path.join(directory, 'log');
    const fd = openSync(file, 'w');
    try {
      const writer = batchedLogWriter(fd, 20);
      writer.write('one\n');
      writer.write('two\n');
      // Nothing written while the calls are answered: no system call per line.
      assert.equal(readFileSync(file, 'utf8'), '');
      await new Promise((resolve) => setTimeout(resolve, 60));
      assert.equal(readFileSync(file, 'utf8'), 'one\ntwo\n');
      writer.write('three\n');
      writer.flush();
      assert.equal(readFileSync(file, 'utf8'), 'one\ntwo\nthree\n');
    } finally {
      closeSync(fd);
    }
  });

  it('loses no line when the process exits, whether by process.exit or a crash', function () {
    // Two Node processes with the TypeScript loader: seconds on a busy machine.
    this.timeout(60_000);
    const module = path.resolve(__dirname, '../../../proxy/events/log-writer.ts');
    for (const ending of ['process.exit(0)', 'throw new Error("crash")']) {
      const script = `const { batchedLogWriter } = require(${JSON.stringify(module)}); const writer = batchedLogWriter(2, 60000); writer.write('before the end\\n'); setImmediate(() => { ${ending}; });`;
      const result = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
      assert.match(result.stderr, /before the end\n/, ending);
    }
  });
});
