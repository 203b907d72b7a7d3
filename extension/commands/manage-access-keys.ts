import * as vscode from 'vscode';
import type { AccessKeyInfo } from '../../proxy/control/protocol';
import type { SwitchyardCommand } from '../services';
import { askKeyFields } from './create-access-key';

/** How a key is described in a pick: what it may do and when it was last used. */
export function describeKey(key: AccessKeyInfo): string {
  const parts = [
    key.models?.join(', ') ?? 'all models',
    key.budget === undefined ? 'no budget' : `$${key.budget.limitUsd}/${key.budget.period}`,
    ...(key.rpm === undefined ? [] : [`${key.rpm} rpm`]),
    ...(key.tpm === undefined ? [] : [`${key.tpm} tpm`]),
    ...(key.redaction === undefined ? [] : [`redaction ${key.redaction.mode ?? "config's mode"}${key.redaction.detectors === undefined ? '' : ` (${key.redaction.detectors.join(', ')})`}`]),
    key.lastUsed === undefined ? 'never used' : `used ${new Date(key.lastUsed).toLocaleString()}`,
  ];
  return parts.join(' · ');
}

/**
 * "Switchyard: Manage Access Keys": the named keys in a quick pick; pick one to change what it
 * may do or revoke it, or create a new one.
 */
export const manageAccessKeysCommand: SwitchyardCommand = {
  id: 'switchyard.manageAccessKeys',
  async run(services): Promise<void> {
    const client = await services.proxy.ready();
    const keys = (await client.keys()).filter((key) => key.revoked === undefined);
    const create = { label: '$(add) Create Access Key…', key: undefined as AccessKeyInfo | undefined };
    const picked = await vscode.window.showQuickPick(
      [create, ...keys.map((key) => ({ label: `$(key) ${key.name}`, description: key.keyId, detail: describeKey(key), key }))],
      { title: 'Switchyard: Manage Access Keys', placeHolder: keys.length === 0 ? 'No named keys yet' : 'Pick a key to change or revoke it' },
    );
    if (picked === undefined) return;
    if (picked.key === undefined) {
      await vscode.commands.executeCommand('switchyard.createAccessKey');
      return;
    }
    const key = picked.key;
    const action = await vscode.window.showQuickPick(
      [
        { label: '$(edit) Change models, budget, rate limits and redaction', id: 'change' },
        { label: '$(trash) Revoke', description: 'clients sending it get 401 from now on', id: 'revoke' },
      ],
      { title: `Access key '${key.name}'` },
    );
    if (action === undefined) return;
    if (action.id === 'revoke') {
      const confirmed = await vscode.window.showWarningMessage(`Revoke the access key '${key.name}'? Tools using it stop working at once.`, { modal: true }, 'Revoke');
      if (confirmed !== 'Revoke') return;
      await client.revokeKey(key.name);
      services.log(`revoked access key '${key.name}'`);
      void vscode.window.showInformationMessage(`Revoked the access key '${key.name}'.`);
      return;
    }
    const fields = await askKeyFields(key, `Access key '${key.name}'`);
    if (fields === undefined) return;
    const updated = await client.updateKey(key.name, fields);
    services.log(`changed access key '${key.name}'`);
    void vscode.window.showInformationMessage(`Access key '${updated.name}': ${describeKey(updated)}.`);
  },
};
