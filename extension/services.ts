import type * as vscode from 'vscode';
import type { ProxyManager } from './proxy-process';
import type { Secrets } from './secrets';
import type { SwitchyardSettings } from './settings';

/** What commands and views share: created once in `activate`, passed explicitly (no global locator). */
export interface ExtensionServices {
  readonly context: vscode.ExtensionContext;
  readonly proxy: ProxyManager;
  readonly secrets: Secrets;
  readonly output: vscode.OutputChannel;
  settings(): SwitchyardSettings;
  /** Appends a line to the "Switchyard" output channel. Never pass it a key. */
  log(line: string): void;
  /** Opens (or reveals) the panel, on a request's detail when given; loads the panel code on first use. */
  openPanel(requestId?: string): Promise<void>;
}

/**
 * A palette command. `run` takes the command's arguments too, so tests and other extensions can
 * call it without the quick picks and input boxes (`executeCommand('switchyard.setProviderKey',
 * 'openai', 'sk-…')`); whatever it returns is what `executeCommand` resolves with.
 */
export interface SwitchyardCommand {
  id: string;
  run(services: ExtensionServices, ...commandArguments: unknown[]): unknown;
}
