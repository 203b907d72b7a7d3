import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { collectorFlags } from '../../../proxy/collector-settings';

// `v8.setFlagsFromString` ignores a flag V8 does not know, without a word: a Node whose V8 dropped
// or renamed one would run the proxy (and the bench's floors) with V8's defaults again and the
// 80 KB rows would swing as before (docs/benchmark.md, "Sixteenth round"). On the command line
// Node refuses an unknown flag, so each is tried there.
describe('the proxy\'s collector settings', () => {
  for (const flag of collectorFlags) {
    it(`${flag} is a flag this Node's V8 knows`, () => {
      const result = spawnSync(process.execPath, [flag, '-e', '0'], { encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
    });
  }

  it('an unknown flag is refused, so the check above can fail', () => {
    const result = spawnSync(process.execPath, ['--heap-growing-percentage=300', '-e', '0'], { encoding: 'utf8' });
    assert.notEqual(result.status, 0);
  });
});
