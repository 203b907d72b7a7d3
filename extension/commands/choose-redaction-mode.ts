import * as vscode from 'vscode';
import type { SwitchyardCommand } from '../services';
import { updateConfig } from './save-config';

type RedactionMode = 'off' | 'redact' | 'block';
const modes: ReadonlyArray<{ mode: RedactionMode; detail: string }> = [
  { mode: 'off', detail: 'Requests go to providers as sent.' },
  { mode: 'redact', detail: 'Secrets and personal data are replaced by placeholders such as <EMAIL_1> before a provider sees them, and put back in answers.' },
  { mode: 'block', detail: 'A request holding a secret or personal data is refused, naming what was found and where.' },
];

/**
 * "Switchyard: Redaction Mode": off, redact or block for every request (docs/privacy.md). Writes
 * `redaction.mode` in the config file, keeping its other redaction fields. Takes the mode as an
 * argument; resolves with the saved mode, or undefined when the pick was dismissed.
 */
export const chooseRedactionModeCommand: SwitchyardCommand = {
  id: 'switchyard.chooseRedactionMode',
  async run(services, modeArgument?: unknown): Promise<RedactionMode | undefined> {
    if (modeArgument !== undefined && !modes.some((entry) => entry.mode === modeArgument)) {
      throw new Error('switchyard.chooseRedactionMode takes "off", "redact" or "block".');
    }
    const client = await services.proxy.ready();
    let mode = modeArgument as RedactionMode | undefined;
    if (mode === undefined) {
      const { config } = await client.config();
      const redaction = config.redaction as { mode?: RedactionMode } | undefined;
      const current = redaction?.mode ?? 'off';
      const picked = await vscode.window.showQuickPick(
        modes.map((entry) => ({ label: entry.mode, description: entry.mode === current ? 'current' : undefined, detail: entry.detail, mode: entry.mode })),
        { title: 'Switchyard: Redaction Mode', placeHolder: `What to do with secrets and personal data in requests (now: ${current})` },
      );
      if (picked === undefined) return undefined;
      mode = picked.mode;
    }
    await updateConfig(client, (config) => {
      const redaction = typeof config.redaction === 'object' && config.redaction !== null ? (config.redaction as Record<string, unknown>) : {};
      config.redaction = { ...redaction, mode };
      return config;
    });
    services.log(`redaction mode: ${mode}`);
    if (modeArgument === undefined) void vscode.window.showInformationMessage(`Redaction: ${mode}.`);
    return mode;
  },
};
