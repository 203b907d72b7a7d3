/**
 * Peer gateways measured in the same run (`npm run bench -- --peers`), so a user sees Switchyard
 * beside a popular gateway on their own machine. Each peer is fetched from npm into a cache
 * folder outside the project (never a dependency of Switchyard) and configured to forward to the
 * benchmark's fake upstream.
 *
 * The Portkey gateway (`@portkey-ai/gateway`) takes its provider and upstream per request, in
 * headers: `x-portkey-provider` and `x-portkey-custom-host` (127.0.0.1 is a trusted custom host
 * by default). It serves OpenAI Chat Completions and Anthropic Messages, and translates an
 * Anthropic Messages request for an OpenAI-style provider, so it runs every case the floors run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { BenchCase } from './cases';
import { startChildServiceAt, type ChildService } from './child-service';
import type { TargetRequest } from './measure';

/** Pinned, so two runs measure the same gateway; bump deliberately. */
export const portkeyVersion = '1.15.2';

/** Where fetched peers live: `$XDG_CACHE_HOME/switchyard-bench` or `~/.cache/switchyard-bench`. */
export function peerCacheFolder(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'switchyard-bench');
}

/**
 * Installs the Portkey gateway into the cache (once) with npm's own client, scripts off (its
 * postinstall runs patch-package on its own source tree, which a consumer does not need), and
 * returns its entry point.
 */
export function installPortkey(log: (text: string) => void): string {
  const folder = path.join(peerCacheFolder(), `portkey-gateway-${portkeyVersion}`);
  const entry = path.join(folder, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');
  if (existsSync(entry)) return entry;
  mkdirSync(folder, { recursive: true });
  log(`fetching @portkey-ai/gateway@${portkeyVersion} into ${folder} (once)`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(
    npm,
    ['install', '--prefix', folder, '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', '--omit=dev', `@portkey-ai/gateway@${portkeyVersion}`],
    { stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 },
  );
  if (!existsSync(entry)) throw new Error(`npm installed @portkey-ai/gateway but ${entry} is missing`);
  return entry;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts the Portkey gateway on a free port (it takes `--port=`, prints a banner, not its URL). */
export async function startPortkey(entry: string): Promise<ChildService> {
  const port = await freePort();
  return startChildServiceAt('portkey', process.execPath, [entry, `--port=${port}`, '--headless'], `http://127.0.0.1:${port}`, {
    ...process.env,
    NODE_ENV: 'production',
  });
}

/** What the Portkey gateway is sent in a case: the floors' request plus its routing headers. */
export function portkeyRequest(upstream: string): (benchCase: BenchCase) => TargetRequest {
  return (benchCase) => {
    if (benchCase.kind === 'translation') {
      // Anthropic Messages in, an OpenAI-style provider out: Portkey translates, as Switchyard does.
      return {
        path: benchCase.path,
        headers: { ...benchCase.headers, authorization: 'Bearer sk-bench-compat-0000', 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${upstream}/v1` },
        body: benchCase.peerBody ?? benchCase.floorBody,
      };
    }
    return {
      path: benchCase.path,
      headers: { ...benchCase.headers, 'x-portkey-provider': benchCase.api === 'anthropic' ? 'anthropic' : 'openai', 'x-portkey-custom-host': `${upstream}/v1` },
      body: benchCase.floorBody,
    };
  };
}
