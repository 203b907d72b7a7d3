import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dataDirFor, defaultDataDir } from '../../../proxy/store/data-dir';

describe('defaultDataDir', () => {
  it('follows XDG on Linux, falling back to ~/.local/share', () => {
    assert.equal(dataDirFor({ platform: 'linux', env: { XDG_DATA_HOME: '/data/me' }, home: '/home/me' }), '/data/me/switchyard');
    assert.equal(dataDirFor({ platform: 'linux', env: {}, home: '/home/me' }), '/home/me/.local/share/switchyard');
    // A relative XDG_DATA_HOME is invalid by the spec and ignored.
    assert.equal(dataDirFor({ platform: 'linux', env: { XDG_DATA_HOME: 'data' }, home: '/home/me' }), '/home/me/.local/share/switchyard');
  });

  it('uses Application Support on macOS and APPDATA on Windows', () => {
    assert.equal(dataDirFor({ platform: 'darwin', env: {}, home: '/Users/me' }), '/Users/me/Library/Application Support/Switchyard');
    assert.equal(
      dataDirFor({ platform: 'win32', env: { APPDATA: 'C:\\Users\\me\\AppData\\Roaming' }, home: 'C:\\Users\\me' }),
      'C:\\Users\\me\\AppData\\Roaming\\Switchyard',
    );
    assert.equal(dataDirFor({ platform: 'win32', env: {}, home: 'C:\\Users\\me' }), 'C:\\Users\\me\\AppData\\Roaming\\Switchyard');
  });

  it('creates the folder', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'switchyard-data-'));
    try {
      const folder = defaultDataDir({ platform: 'linux', env: { XDG_DATA_HOME: path.join(root, 'xdg') }, home: root });
      assert.equal(folder, path.join(root, 'xdg', 'switchyard'));
      assert.ok(existsSync(folder));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
