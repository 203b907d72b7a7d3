import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultConfig } from '../../proxy/config/config';
import { createProxy, type CreateProxyOptions } from '../../proxy/create-proxy';
import type { RecentResponse } from '../../proxy/control/protocol';
import { controlToken, testKeys } from './harness';

/** The composition root's own promises; everything it wires is exercised through the harness. */
describe('createProxy', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-create-proxy-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  function options(overrides: Partial<CreateProxyOptions> = {}): CreateProxyOptions {
    return {
      config: defaultConfig(),
      env: { ...testKeys },
      host: '127.0.0.1',
      port: 0,
      controlToken,
      storage: { dataDir, retentionDays: 30 },
      shutdown: () => {},
      ...overrides,
    };
  }

  function requests(url: string): Promise<Response> {
    return fetch(`${url}/_switchyard/requests`, { headers: { authorization: `Bearer ${controlToken}` } });
  }

  it('opens the stores once listening and closes them with the proxy', async () => {
    const proxy = await createProxy(options());
    assert.ok(proxy.storage !== undefined);
    assert.equal(proxy.runtime.store, proxy.store);
    const response = await requests(proxy.url);
    assert.equal(response.status, 200);
    assert.deepEqual(((await response.json()) as RecentResponse).records, []);
    await proxy.close({ graceMs: 0 });
    await assert.rejects(proxy.storage.requestLog.recent(), /closed/);
  });

  it("counts /health's uptime from the start, not from the control API's first (lazy) load", async () => {
    const proxy = await createProxy(options());
    try {
      await new Promise((resolve) => setTimeout(resolve, 1600));
      const health = (await (await fetch(`${proxy.url}/_switchyard/health`)).json()) as { uptimeSeconds: number };
      assert.ok(health.uptimeSeconds >= 2, `uptime ${health.uptimeSeconds} s, 1.6 s after the start`);
    } finally {
      await proxy.close({ graceMs: 0 });
    }
  });

  it('serves without a request log when the stores cannot be opened, and says why', async () => {
    const lines: string[] = [];
    const proxy = await createProxy(
      options({
        openStorage: async () => {
          throw new Error('disk on fire');
        },
        writeLog: (line) => lines.push(line),
      }),
    );
    try {
      assert.equal(proxy.store, undefined);
      assert.ok(lines.some((line) => line.includes(`the request log at ${dataDir} could not be opened, requests will not be recorded: disk on fire`)), lines.join(''));
      assert.equal((await requests(proxy.url)).status, 503);
      assert.equal((await fetch(`${proxy.url}/_switchyard/health`)).status, 200);
    } finally {
      await proxy.close({ graceMs: 0 });
    }
  });

  it('rejects with the listen error, leaving nothing running, when the port is taken', async () => {
    const first = await createProxy(options());
    try {
      const second = path.join(dataDir, 'second');
      await assert.rejects(createProxy(options({ port: first.port, storage: { dataDir: second, retentionDays: 30 } })), { code: 'EADDRINUSE' });
      assert.equal(existsSync(second), false, 'the stores are opened only once the port is ours');
    } finally {
      await first.close({ graceMs: 0 });
    }
  });
});
