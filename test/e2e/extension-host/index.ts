/**
 * The extension-host suite: mocha inside a real VS Code's extension host (code-server), with
 * this repository as the extension under development. `test/e2e/run.ts` bundles this file (the
 * test files with it; `vscode` and `mocha` stay external) and VS Code calls `run`.
 */
import Mocha from 'mocha';

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', timeout: 20_000, color: false });
  // The test files are bundled into this one: give them mocha's BDD globals, then load them.
  mocha.suite.emit('pre-require', globalThis, 'extension-host', mocha);
  await import('./activation.test');
  await import('./commands.test');
  await import('./secrets.test');
  await import('./terminal-key.test');
  await import('./lifecycle.test');
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} extension-host test${failures === 1 ? '' : 's'} failed.`);
}
