import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import type { ControlClient } from './control-client';

/** What the keychain keeps per workspace folder: the key and the name the proxy knows it by. */
interface StoredWorkspaceKey {
  name: string;
  key: string;
}

/**
 * The access key of this window's workspace, for the terminals the extension injects: created
 * on first use as a named key called after the folder (`my-app`, or `my-app-1a2b3c` when the
 * name is taken), kept in the keychain, and created again if it was revoked. It restricts
 * nothing: it only names the caller, so spend shows per project, and it locks no other tool out.
 * Undefined without a workspace folder or a connected proxy.
 */
export async function workspaceKey(client: ControlClient | undefined, secrets: vscode.SecretStorage, log: (line: string) => void): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder === undefined || client === undefined) return undefined;
  const secretName = `switchyard.workspaceKey:${folder.uri.toString()}`;
  const stored = parse(await secrets.get(secretName));
  const keys = await client.keys();
  if (stored !== undefined && keys.some((key) => key.revoked === undefined && key.name === stored.name && key.keyId === keyIdOf(stored.key))) return stored.key;
  const base = folder.name.replace(/[^A-Za-z0-9._@ -]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 48) || 'workspace';
  const taken = new Set(keys.filter((key) => key.revoked === undefined).map((key) => key.name));
  const name = taken.has(base) ? `${base}-${createHash('sha256').update(folder.uri.toString()).digest('hex').slice(0, 6)}` : base;
  const created = await client.createKey({ name });
  await secrets.store(secretName, JSON.stringify({ name: created.name, key: created.key } satisfies StoredWorkspaceKey));
  log(`created the access key '${created.name}' (${created.keyId}) for this workspace's terminals`);
  return created.key;
}

function parse(text: string | undefined): StoredWorkspaceKey | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<StoredWorkspaceKey>;
    return typeof value.name === 'string' && typeof value.key === 'string' ? { name: value.name, key: value.key } : undefined;
  } catch {
    return undefined;
  }
}

/** The proxy's id of a key (`key_` and 16 hex digits of its SHA-256), as `GET /keys` lists it. */
function keyIdOf(key: string): string {
  return `key_${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}
