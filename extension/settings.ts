import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';

/** The `switchyard.*` settings, read fresh each time so changes apply without a reload. */
export interface SwitchyardSettings {
  port: number;
  keepRunning: boolean;
  /** Absolute path of the proxy's config file. */
  configFile: string;
  injectTerminalEnvironment: boolean;
  requireLocalKey: boolean;
  /** One line per call in the proxy's log (off: `--quiet`). */
  logEachCall: boolean;
  /** A team proxy's base URL as written (`switchyard.teamProxyUrl`); empty: spawn the local proxy. */
  teamProxyUrl: string;
}

export const defaultPort = 4141;

/**
 * Reads the settings. An empty `switchyard.configPath` means `config.json` in the extension's
 * global storage folder, created as `{}` the first time so the proxy can save edits to it.
 */
export function readSettings(globalStoragePath: string): SwitchyardSettings {
  const configuration = vscode.workspace.getConfiguration('switchyard');
  const port = configuration.get<number>('port', defaultPort);
  const configured = configuration.get<string>('configPath', '').trim();
  const configFile = configured === '' ? path.join(globalStoragePath, 'config.json') : path.resolve(expandHome(configured));
  return {
    port: Number.isInteger(port) && port > 0 && port < 65536 ? port : defaultPort,
    keepRunning: configuration.get<boolean>('keepRunning', false),
    configFile,
    injectTerminalEnvironment: configuration.get<boolean>('injectTerminalEnvironment', false),
    requireLocalKey: configuration.get<boolean>('requireLocalKey', true),
    logEachCall: configuration.get<boolean>('logEachCall', true),
    teamProxyUrl: configuration.get<string>('teamProxyUrl', '').trim(),
  };
}

/** Creates the config file as `{}` when it does not exist yet (the proxy needs one to save rules into). */
export function ensureConfigFile(file: string): void {
  if (existsSync(file)) return;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '{}\n', { flag: 'wx' });
}

function expandHome(file: string): string {
  if (file === '~' || file.startsWith('~/')) return path.join(process.env.HOME ?? process.env.USERPROFILE ?? '', file.slice(1));
  return file;
}
