import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../../proxy/config/load-config';
import { FileConfigSource } from '../../../proxy/store/file/file-config-source';

describe('FileConfigSource', () => {
  let folder: string;
  let file: string;
  let stop: (() => void) | undefined;

  beforeEach(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'switchyard-config-source-'));
    file = path.join(folder, 'config.json');
  });

  afterEach(() => {
    stop?.();
    stop = undefined;
    rmSync(folder, { recursive: true, force: true });
  });

  it('loads the file, and rejects an invalid one with a ConfigError', async () => {
    writeFileSync(file, JSON.stringify({ retentionDays: 7 }));
    const source = new FileConfigSource(file);
    assert.equal(source.location, file);
    assert.equal((await source.load()).retentionDays, 7);
    writeFileSync(file, '{ "retentionDays": ');
    await assert.rejects(source.load(), ConfigError);
  });

  it('reports a save by rename, as editors do it, and the new content loads', async () => {
    writeFileSync(file, JSON.stringify({ retentionDays: 7 }));
    const source = new FileConfigSource(file);
    const changed = new Promise<void>((resolve) => {
      stop = source.watch(resolve);
    });
    const temporary = path.join(folder, '.config.json.tmp');
    writeFileSync(temporary, JSON.stringify({ retentionDays: 14 }));
    renameSync(temporary, file);
    await changed;
    assert.equal((await source.load()).retentionDays, 14);
  });

  it('reports every save after a rename replaced the file', async () => {
    writeFileSync(file, JSON.stringify({ retentionDays: 7 }));
    const source = new FileConfigSource(file);
    let notify: () => void = () => {};
    stop = source.watch(() => notify());
    const next = (): Promise<void> => new Promise((resolve) => {
      notify = resolve;
    });
    const first = next();
    const temporary = path.join(folder, '.config.json.tmp');
    writeFileSync(temporary, JSON.stringify({ retentionDays: 14 }));
    renameSync(temporary, file);
    await first;
    const second = next();
    writeFileSync(file, JSON.stringify({ retentionDays: 21 }));
    await second;
    assert.equal((await source.load()).retentionDays, 21);
  });
});
