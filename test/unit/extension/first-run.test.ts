import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openWalkthroughOnFirstRun, walkthroughId, walkthroughShownKey, type FirstRunHost } from '../../../extension/first-run';

/** A globalState and a record of what was opened. */
function host(options: { openOnInstall?: boolean; usedBefore?: boolean } = {}): FirstRunHost & { opened: number; values: Map<string, unknown> } {
  const values = new Map<string, unknown>();
  const fake = {
    values,
    opened: 0,
    state: {
      get: <T>(key: string): T | undefined => values.get(key) as T | undefined,
      update: async (key: string, value: unknown): Promise<void> => void values.set(key, value),
    },
    openOnInstall: options.openOnInstall ?? true,
    usedBefore: async () => options.usedBefore ?? false,
    open: async () => {
      fake.opened += 1;
    },
  };
  return fake;
}

describe('the walkthrough on first run', () => {
  it('opens once for a new user, and not on the next start', async () => {
    const first = host();
    assert.equal(await openWalkthroughOnFirstRun(first), true);
    assert.equal(first.values.get(walkthroughShownKey), true);
    assert.equal(await openWalkthroughOnFirstRun(first), false);
    assert.equal(first.opened, 1);
  });

  it('does not open when VS Code is told not to open walkthroughs on install, or for someone updating', async () => {
    for (const options of [{ openOnInstall: false }, { usedBefore: true }]) {
      const fake = host(options);
      assert.equal(await openWalkthroughOnFirstRun(fake), false);
      assert.equal(fake.opened, 0);
      // Decided once: it stays closed later too.
      assert.equal(fake.values.get(walkthroughShownKey), true);
    }
  });

  it('names the walkthrough package.json contributes', () => {
    const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as { contributes: { walkthroughs: Array<{ id: string }> } };
    assert.deepEqual(manifest.contributes.walkthroughs.map((walkthrough) => walkthrough.id), [walkthroughId]);
  });
});
