/**
 * `node --import tsx bench/idle-memory.ts <build folder>…`: idle resident memory of builds of
 * Switchyard (folders holding a proxy.js and its wasm, e.g. copies of dist/), each started
 * alone, warmed up with 20 calls, then left idle for two seconds — the "idle RSS" of
 * `npm run bench -- --memory` without its floor, 1,000 streams and long stream, so a change to
 * what loads at start can be compared in seconds. Prints VmRSS of the process tree just after
 * start, after the calls and two idle seconds, and its peak (VmHWM), from /proc (Linux only).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { startFakeUpstream } from './child-service';
import { anthropicBody } from './payloads';
import { processTree } from './process-cpu';
import { startSwitchyard } from './switchyard-service';
import { runMain } from './run-main';

function status(pid: number, field: string): number {
  let kilobytes = 0;
  for (const member of processTree(pid)) {
    const match = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${member}/status`, 'utf8'));
    if (match !== null) kilobytes += Number(match[1]);
  }
  return kilobytes / 1024;
}

async function main(): Promise<void> {
  const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-idle-'));
  const upstream = await startFakeUpstream(workDirectory);
  const headers = { 'content-type': 'application/json', 'x-api-key': 'sk-ant-bench-0000', 'anthropic-version': '2023-06-01' };
  try {
    for (const build of process.argv.slice(2)) {
      const service = await startSwitchyard(upstream.url, workDirectory, undefined, path.resolve(build, 'proxy.js'), `switchyard-${path.basename(build)}`);
      if (service === undefined) throw new Error(`no proxy.js in ${build}`);
      try {
        const started = status(service.pid, 'VmRSS');
        const agent = new Agent({ connections: 4 });
        for (let index = 0; index < 20; index++) {
          const reply = await request(`${service.url}/v1/messages`, { dispatcher: agent, method: 'POST', headers, body: anthropicBody('claude-sonnet-4-5', '1k', true) });
          await reply.body.text();
        }
        await agent.close();
        await sleep(2000);
        process.stdout.write(`${build}: started ${started.toFixed(1)} MB, idle after 20 calls ${status(service.pid, 'VmRSS').toFixed(1)} MB (peak ${status(service.pid, 'VmHWM').toFixed(1)} MB)\n`);
      } finally {
        await service.stop();
      }
    }
  } finally {
    await upstream.stop();
    rmSync(workDirectory, { recursive: true, force: true });
  }
}

runMain(main);
