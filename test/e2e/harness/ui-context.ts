/**
 * What the UI tests share with the runner that started everything: the workbench page, the
 * code-server and profile behind it, the fake providers and the Switchyard settings in force.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { CodeServer, Profile } from './code-server';
import type { FakeProviders } from './fake-providers';

export interface UiContext {
  page: Page;
  server: CodeServer;
  profile: Profile;
  fakes: FakeProviders;
  /** `switchyard.port` in the profile's settings. */
  proxyPort: number;
  /** `switchyard.configPath` in the profile's settings. */
  configFile: string;
}

let current: UiContext | undefined;

/** Figures the UI tests read (activation time, …), printed by the runner after the timings. */
export const measurements: Array<{ name: string; value: string }> = [];

export function setUiContext(context: UiContext | undefined): void {
  current = context;
}

/** The context of the running UI suite; throws outside a run of test/e2e/run.ts. */
export function uiContext(): UiContext {
  if (!current) throw new Error('the UI tests run inside test/e2e/run.ts (npm run test:e2e), which starts code-server and Chromium');
  return current;
}

/** The extension's global storage folder in the profile: the proxy's data dir. */
export function extensionDataDir(profile: Profile): string {
  return path.join(profile.userDataDir, 'User', 'globalStorage', 'switchyard.switchyard');
}

/** Calls the proxy's control API with the token the proxy wrote to its data dir. */
export async function controlRequest(context: UiContext, method: string, route: string, body?: unknown): Promise<unknown> {
  const token = (await readFile(path.join(extensionDataDir(context.profile), 'control-token'), 'utf8')).trim();
  const response = await fetch(`http://127.0.0.1:${context.proxyPort}/_switchyard${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} /_switchyard${route} answered ${response.status}: ${text}`);
  return text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
}
