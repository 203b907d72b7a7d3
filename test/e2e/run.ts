/**
 * `npm run test:e2e`: the extension in a real VS Code. Installs code-server (cached), packages
 * the VSIX, starts fake providers, then
 *   (a) runs the extension-host suite (test/e2e/extension-host) inside code-server's extension
 *       host, with the repository as the extension under development, and
 *   (b) installs the VSIX into a fresh profile and runs the UI tests (test/e2e/ui) against it
 *       in Chromium.
 * Everything it starts runs in its own process group and is stopped on exit, failures included.
 *
 * Environment: SWITCHYARD_E2E_SKIP_PACKAGE=1 reuses switchyard.vsix and dist/; SWITCHYARD_E2E_ONLY=
 * `extension-host` or `ui` runs one part; SWITCHYARD_E2E_GREP filters UI tests by title;
 * SWITCHYARD_E2E_KEEP=1 keeps the temporary folders; SWITCHYARD_E2E_CACHE moves the install cache.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import Mocha from 'mocha';
import type { Browser, Page } from 'playwright-core';
import { installCodeServer, type CodeServerInstall } from './install';
import { createProfile, installExtension, startCodeServer } from './harness/code-server';
import { startFakeProviders, type FakeProviders } from './harness/fake-providers';
import { delay, freePort, killAllNow, stopAll } from './harness/processes';
import { measurements, setUiContext } from './harness/ui-context';
import { launchBrowser, openWorkbench, screenshot, screenshotFolder } from './harness/workbench';

const repositoryRoot = path.resolve(__dirname, '..', '..');
const vsixFile = path.join(repositoryRoot, 'switchyard.vsix');
const extensionHostSuiteSource = path.join(repositoryRoot, 'test', 'e2e', 'extension-host', 'index.ts');
const extensionHostSuiteBundle = path.join(repositoryRoot, 'out', 'e2e', 'extension-host', 'index.js');
const uiTestFolder = path.join(repositoryRoot, 'test', 'e2e', 'ui');
/** How long the extension-host suite may run before it counts as hung. */
const extensionHostSuiteTimeoutMs = 5 * 60_000;

const timings: Array<{ step: string; seconds: number }> = [];
/** Ports of proxies the extension may have started, to stop them on an interrupt too. */
const proxyPorts = new Set<number>();

async function timed<T>(step: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await work();
  } finally {
    timings.push({ step, seconds: (Date.now() - started) / 1000 });
  }
}

/** Settings every profile gets: Switchyard on its own port and config, a known theme. */
function switchyardSettings(proxyPort: number, configFile: string, theme: string): Record<string, unknown> {
  return {
    'switchyard.port': proxyPort,
    'switchyard.configPath': configFile,
    'workbench.colorTheme': theme,
  };
}

async function writeSwitchyardConfig(folder: string, fakes: FakeProviders): Promise<string> {
  const configFile = path.join(folder, 'switchyard-config.json');
  // The content audit log is on, so the panel's Content section and Replay have something to show.
  await writeFile(configFile, JSON.stringify({ providers: fakes.providersConfig(), audit: { enabled: true } }, null, 2));
  return configFile;
}

function runNpmPackage(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', 'package'], { cwd: repositoryRoot, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`npm run package exited with ${code}`))));
  });
}

/**
 * Stops the proxy the extension started on `port`. The extension starts it detached (it outlives
 * a window on purpose), so stopping code-server's process group does not reach it; its health
 * route tells its pid.
 */
async function stopProxyOn(port: number): Promise<void> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/_switchyard/health`, { signal: AbortSignal.timeout(2000) });
    const health: unknown = await response.json();
    if (typeof health === 'object' && health !== null && 'pid' in health && typeof health.pid === 'number') {
      process.kill(health.pid, 'SIGTERM');
      for (let waited = 0; waited < 5000; waited += 100) {
        await delay(100);
        try {
          process.kill(health.pid, 0);
        } catch {
          return;
        }
      }
      process.kill(health.pid, 'SIGKILL');
    }
  } catch {
    // Nothing listens there any more.
  }
}

/** Workbench chatter that says nothing about the suite (no network here, no gallery). */
const workbenchNoise =
  /Failed to load resource|Creating a socket|ERR_NAME_NOT_RESOLVED|open-vsx\.org|Service Worker|web worker extension host|allow-scripts and allow-same-origin|ChatSessionStore|Overwriting extension|Updating additional builtin|\[(debug|verbose)\]/;

/** Part (a): the mocha suite inside the extension host. Returns its exit code. */
async function runExtensionHostSuite(install: CodeServerInstall, browser: Browser, fakes: FakeProviders, runFolder: string): Promise<number> {
  await timed('bundle extension-host suite', () =>
    build({
      entryPoints: [extensionHostSuiteSource],
      outfile: extensionHostSuiteBundle,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      external: ['vscode', 'mocha'],
      sourcemap: 'inline',
      logLevel: 'warning',
    }),
  );
  const folder = path.join(runFolder, 'extension-host');
  await mkdir(folder, { recursive: true });
  const proxyPort = await freePort();
  proxyPorts.add(proxyPort);
  const configFile = await writeSwitchyardConfig(folder, fakes);
  const profile = await createProfile(folder, switchyardSettings(proxyPort, configFile, 'Default Dark Modern'));
  const server = await timed('start code-server (extension-host suite)', () =>
    startCodeServer(install.binary, profile, { logFile: path.join(runFolder, 'code-server-extension-host.log') }),
  );
  const consoleLines: string[] = [];
  let page: Page | undefined;
  try {
    const remote = (file: string): string => `vscode-remote://${server.authority}${file}`;
    const payload = [
      ['extensionDevelopmentPath', remote(repositoryRoot)],
      ['extensionTestsPath', remote(extensionHostSuiteBundle)],
    ];
    const url = `${server.origin}/?folder=${encodeURIComponent(profile.workspaceDir)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    let reportExit: (code: number) => void = () => undefined;
    const exitCode = new Promise<number>((resolve) => (reportExit = resolve));
    page = await timed('open workbench (extension-host suite)', () =>
      openWorkbench(
        browser,
        url,
        (line) => {
          consoleLines.push(line);
          // The extension host's console reaches the page's console: show the suite's lines as they come.
          if (!workbenchNoise.test(line)) process.stdout.write(`  │ ${line.replace(/^\[log\] INFO ?/, '')}\n`);
        },
        async (newPage) => {
          await newPage.exposeFunction('codeAutomationExit', (code: unknown) => reportExit(typeof code === 'number' ? code : 1));
        },
      ),
    );
    const code = await timed('extension-host suite', () =>
      Promise.race([exitCode, delay(extensionHostSuiteTimeoutMs).then(() => -1)]),
    );
    if (code === -1) {
      console.error(`The extension-host suite did not finish within ${extensionHostSuiteTimeoutMs / 1000} s.`);
      await screenshot(page, 'failure-extension-host-timeout');
      return 1;
    }
    return code;
  } finally {
    await writeFile(path.join(runFolder, 'extension-host-console.log'), consoleLines.join('\n'));
    await page?.context().close();
    await server.stop();
    await stopProxyOn(proxyPort);
  }
}

/** Part (b): the UI tests against the installed VSIX. Returns the number of failures. */
async function runUiTests(install: CodeServerInstall, browser: Browser, fakes: FakeProviders, runFolder: string): Promise<number> {
  const folder = path.join(runFolder, 'ui');
  await mkdir(folder, { recursive: true });
  const proxyPort = await freePort();
  proxyPorts.add(proxyPort);
  const configFile = await writeSwitchyardConfig(folder, fakes);
  const profile = await createProfile(folder, switchyardSettings(proxyPort, configFile, 'Default Dark Modern'));
  await timed('install VSIX', () => installExtension(install.binary, profile, vsixFile, path.join(runFolder, 'code-server-install-extension.log')));
  const server = await timed('start code-server (UI tests)', () => startCodeServer(install.binary, profile, { logFile: path.join(runFolder, 'code-server-ui.log') }));
  const consoleLines: string[] = [];
  let page: Page | undefined;
  try {
    const opened = await timed('open workbench (UI tests)', () =>
      openWorkbench(browser, `${server.origin}/?folder=${encodeURIComponent(profile.workspaceDir)}`, (line) => consoleLines.push(line)),
    );
    page = opened;
    setUiContext({ page: opened, server, profile, fakes, proxyPort, configFile });
    return await timed('UI tests', () => runMocha(opened));
  } finally {
    setUiContext(undefined);
    await writeFile(path.join(runFolder, 'ui-console.log'), consoleLines.join('\n'));
    await page?.context().close();
    await server.stop();
    await stopProxyOn(proxyPort);
  }
}

async function runMocha(page: Page): Promise<number> {
  const mocha = new Mocha({
    timeout: 90_000,
    reporter: 'spec',
    bail: true,
    grep: process.env.SWITCHYARD_E2E_GREP,
    rootHooks: {
      async afterEach(this: Mocha.Context) {
        const test = this.currentTest;
        if (test?.state === 'failed') {
          const file = await screenshot(page, `failure-${test.fullTitle()}`).catch(() => undefined);
          if (file) console.log(`    screenshot: ${file}`);
        }
      },
    },
  });
  for (const name of readdirSync(uiTestFolder).filter((file) => file.endsWith('.test.ts')).sort()) mocha.addFile(path.join(uiTestFolder, name));
  return new Promise((resolve) => {
    const runner = mocha.run((failures) => {
      // A grep that matches nothing must not pass as a green run.
      if (runner.stats?.tests === 0) console.error('No UI test ran.');
      resolve(runner.stats?.tests === 0 ? 1 : failures);
    });
  });
}

async function main(): Promise<number> {
  const started = Date.now();
  const only = process.env.SWITCHYARD_E2E_ONLY;
  if (only !== undefined && only !== 'ui' && only !== 'extension-host') throw new Error(`SWITCHYARD_E2E_ONLY is "${only}"; use ui or extension-host`);
  const install = await timed('install code-server', () => installCodeServer());
  if (!process.env.SWITCHYARD_E2E_SKIP_PACKAGE) await timed('npm run package', runNpmPackage);
  if (!existsSync(vsixFile)) throw new Error(`${vsixFile} is missing: run npm run package`);
  await rm(screenshotFolder, { recursive: true, force: true });

  const runFolder = await mkdtemp(path.join(os.tmpdir(), 'switchyard-e2e-'));
  console.log(`Logs and profiles: ${runFolder}`);
  const fakes = await startFakeProviders();
  let browser: Browser | undefined;
  let failed = false;
  try {
    browser = await timed('launch Chromium', launchBrowser);
    if (only !== 'ui') {
      console.log('\n(a) extension-host suite');
      const code = await runExtensionHostSuite(install, browser, fakes, runFolder);
      console.log(`extension-host suite exit code: ${code}`);
      if (code !== 0) failed = true;
    }
    if (only !== 'extension-host') {
      console.log('\n(b) UI tests');
      const failures = await runUiTests(install, browser, fakes, runFolder);
      if (failures > 0) failed = true;
    }
  } finally {
    await browser?.close().catch(() => undefined);
    await stopAll();
    await fakes.close();
    if (!failed && !process.env.SWITCHYARD_E2E_KEEP) await rm(runFolder, { recursive: true, force: true });
    else console.log(`Kept ${runFolder} (code-server logs, console logs, profiles).`);
  }
  timings.push({ step: 'total', seconds: (Date.now() - started) / 1000 });
  console.log('\nTimings:');
  for (const { step, seconds } of timings) console.log(`  ${step.padEnd(44)} ${seconds.toFixed(1).padStart(7)} s`);
  for (const { name, value } of measurements) console.log(`  ${name}: ${value}`);
  console.log(failed ? '\nEnd-to-end tests FAILED.' : '\nEnd-to-end tests passed.');
  return failed ? 1 : 0;
}

process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping code-server and Chromium…`);
    void stopAll()
      .then(() => Promise.all([...proxyPorts].map(stopProxyOn)))
      .finally(() => process.exit(130));
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
