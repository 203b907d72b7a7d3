import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ProxyManager, type ProxyCrash } from '../../../extension/proxy-process';
import type { ProxyStatus } from '../../../webview/protocol';

const proxyScript = path.resolve(__dirname, '../../../dist/proxy.js');

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The extension's ProxyManager against the real built proxy, with plain Node as the runtime:
 * two managers stand for two VS Code windows sharing one data folder.
 */
describe('ProxyManager (built proxy)', function () {
  this.timeout(30_000);
  let dataDir: string;
  let configFile: string;
  let port: number;
  const managers: ProxyManager[] = [];
  const pids = new Set<number>();

  function manager(overrides: { dataDir?: string; proxyScript?: string } = {}): { proxy: ProxyManager; statuses: ProxyStatus[]; crashes: ProxyCrash[]; log: string[] } {
    const statuses: ProxyStatus[] = [];
    const crashes: ProxyCrash[] = [];
    const log: string[] = [];
    const proxy = new ProxyManager({
      proxyScript: overrides.proxyScript ?? proxyScript,
      runtime: process.execPath,
      dataDir: overrides.dataDir ?? dataDir,
      // keepRunning: the managers' streams keep the proxy's attach count up anyway.
      settings: () => ({ port, configFile, keepRunning: true }),
      log: (line) => log.push(line),
      backoff: { maxRestarts: 3, windowMs: 60_000, initialDelayMs: 100, maxDelayMs: 400 },
    });
    proxy.onDidChangeStatus.on((status) => statuses.push(status));
    proxy.onCrash.on((crash) => crashes.push(crash));
    proxy.onDidConnect.on(() => {
      if (proxy.pid !== undefined) pids.add(proxy.pid);
    });
    managers.push(proxy);
    return { proxy, statuses, crashes, log };
  }

  before(() => {
    assert.ok(existsSync(proxyScript), 'dist/proxy.js is missing: run `npm run build` (npm test does)');
  });

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-manager-'));
    configFile = path.join(dataDir, 'config.json');
    writeFileSync(configFile, '{}\n');
    port = await freePort();
  });

  afterEach(() => {
    for (const proxy of managers.splice(0)) proxy.dispose();
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    pids.clear();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts one proxy for two windows racing: the loser attaches to the winner', async () => {
    const first = manager();
    const second = manager();
    await Promise.all([first.proxy.start(), second.proxy.start()]);
    assert.equal(first.proxy.status.state, 'running', JSON.stringify(first.proxy.status));
    assert.equal(second.proxy.status.state, 'running', JSON.stringify(second.proxy.status));
    assert.equal(first.proxy.pid, second.proxy.pid);
    assert.deepEqual([first.proxy.status.owned, second.proxy.status.owned].sort(), [false, true]);
    // Both hold a working control client with the one shared token.
    const [firstPage, secondPage] = await Promise.all([first.proxy.client!.requests(1), second.proxy.client!.requests(1)]);
    assert.deepEqual(firstPage.records, []);
    assert.deepEqual(secondPage.records, []);
  });

  it('attaches to a proxy already running instead of spawning', async () => {
    const first = manager();
    await first.proxy.start();
    const second = manager();
    await second.proxy.start();
    assert.equal(second.proxy.status.owned, false);
    assert.equal(second.proxy.pid, first.proxy.pid);
    assert.ok(second.log.some((line) => line.includes(`attached to the proxy already running on port ${port} (pid ${first.proxy.pid}`)));
  });

  it('restarts a killed proxy, reports why, and the attached window follows', async () => {
    const owner = manager();
    await owner.proxy.start();
    const attached = manager();
    await attached.proxy.start();
    const killed = owner.proxy.pid!;
    process.kill(killed, 'SIGKILL');
    await until(() => owner.crashes.length > 0, 'the owner reports the crash');
    assert.equal(owner.crashes[0].reason, 'The proxy was killed by SIGKILL; no error was printed.');
    assert.equal(owner.crashes[0].restarting, true);
    assert.ok(owner.crashes[0].lastOutput.some((line) => line.startsWith('Switchyard listening on')));
    assert.ok(owner.statuses.some((status) => status.state === 'crashed' && status.detail?.startsWith('The proxy was killed by SIGKILL; no error was printed. Restarting in')));
    await until(() => owner.proxy.status.state === 'running' && attached.proxy.status.state === 'running' && owner.proxy.pid !== killed && attached.proxy.pid !== killed, 'both run again');
    assert.equal(owner.proxy.pid, attached.proxy.pid);
  });

  it('takes over the spawn lock of a window that died while spawning', async () => {
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.on('exit', resolve));
    writeFileSync(path.join(dataDir, 'spawn.lock'), String(dead.pid));
    const window = manager();
    // Without the takeover it would wait for the lock to go stale (30 s), past this test's timeout.
    await window.proxy.start();
    assert.equal(window.proxy.status.state, 'running', window.proxy.status.detail);
    assert.equal(window.proxy.status.owned, true);
    assert.equal(existsSync(path.join(dataDir, 'spawn.lock')), false);
  });

  it('serves with a broken config file, so the panel can show and fix it', async () => {
    writeFileSync(configFile, '{ "routes": 42 }\n');
    const window = manager();
    await window.proxy.start();
    assert.equal(window.proxy.status.state, 'running', window.proxy.status.detail);
    const config = await window.proxy.client!.config();
    assert.ok(config.problems.some((problem) => problem.path.startsWith('routes')), JSON.stringify(config.problems));
  });

  it('gives up after the restart budget and says so', async () => {
    const broken = path.join(dataDir, 'broken-proxy.js');
    writeFileSync(broken, "process.stderr.write('switchyard: cannot start: the bundle is damaged\\n'); process.exit(3);\n");
    const window = manager({ proxyScript: broken });
    await window.proxy.start();
    await until(() => window.crashes.some((crash) => !crash.restarting), 'it stops restarting', 15_000);
    assert.equal(window.crashes.length, 4);
    assert.equal(window.proxy.status.state, 'crashed');
    assert.match(window.proxy.status.detail ?? '', /^The proxy exited with code 3\. Cannot start: the bundle is damaged\. It crashed too often to restart by itself/);
    assert.deepEqual(window.crashes[0].lastOutput, ['switchyard: cannot start: the bundle is damaged']);
  });

  it('a Stop in one window stops the proxy for all, and the others do not restart it', async () => {
    const owner = manager();
    await owner.proxy.start();
    const attached = manager();
    await attached.proxy.start();
    const pid = owner.proxy.pid!;
    attached.proxy.dispose();
    await owner.proxy.stop();
    assert.equal(owner.proxy.status.state, 'stopped');
    await until(() => !alive(pid), 'the proxy process ends');
    assert.equal(owner.crashes.length, 0);
  });

  it('a window attached when another stops the proxy shows it stopped, not crashed', async () => {
    const owner = manager();
    await owner.proxy.start();
    const attached = manager();
    await attached.proxy.start();
    await attached.proxy.stop();
    await until(() => owner.proxy.status.state === 'stopped', 'the owner sees the stop', 25_000);
    assert.match(owner.proxy.status.detail ?? '', /Stopped from another window/);
    assert.equal(owner.crashes.length, 0);
  });

  it('moves to another port when the settings change, stopping the proxy it started', async () => {
    const window = manager();
    await window.proxy.start();
    const firstPid = window.proxy.pid!;
    const firstPort = port;
    port = await freePort();
    await window.proxy.reconnect();
    assert.equal(window.proxy.status.state, 'running', window.proxy.status.detail);
    assert.equal(window.proxy.client?.port, port);
    assert.notEqual(window.proxy.pid, firstPid);
    await until(() => !alive(firstPid), `the proxy on ${firstPort} to stop`);
  });

  it('will not control a proxy started with another data folder, and says what to do', async () => {
    const foreignDir = mkdtempSync(path.join(tmpdir(), 'switchyard-foreign-'));
    const foreign = manager({ dataDir: foreignDir });
    await foreign.proxy.start();
    try {
      const window = manager();
      await window.proxy.start();
      assert.equal(window.proxy.status.state, 'unreachable');
      assert.match(window.proxy.status.detail ?? '', new RegExp(`Port ${port} is served by a Switchyard proxy \\(pid ${foreign.proxy.pid}\\) that this window cannot control`));
    } finally {
      foreign.proxy.dispose();
      if (foreign.proxy.pid === undefined) rmSync(foreignDir, { recursive: true, force: true });
    }
  });

  it('reports a port held by another program instead of retrying', async () => {
    const squatter = spawn(process.execPath, ['-e', `require('http').createServer((q, s) => s.end('no')).listen(${port}, '127.0.0.1', () => console.log('listening'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      // Until it listens (a fixed wait lost to a loaded machine: the proxy took the port first).
      const [first] = (await Promise.race([once(squatter.stdout!, 'data'), once(squatter, 'exit')])) as [unknown];
      assert.equal(String(first).trim(), 'listening', 'the squatter could not listen');
      const window = manager();
      await window.proxy.start();
      assert.equal(window.proxy.status.state, 'unreachable');
      assert.match(window.proxy.status.detail ?? '', new RegExp(`Port ${port} is taken by another program`));
      assert.equal(window.crashes.length, 0);
    } finally {
      squatter.kill('SIGKILL');
    }
  });
});
