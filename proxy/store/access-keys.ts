import type { KeyPolicy, KeyRedaction } from '../core/principal';
import type { RedactionDetector, RedactionMode } from '../core/redaction-names';

/** A named access key as stored: its hash, never the key. */
export interface StoredAccessKey {
  /** Hex SHA-256 of the key. */
  hash: string;
  name: string;
  policy: KeyPolicy;
  /** ms since the epoch. */
  created: number;
  lastUsed?: number;
  revoked?: number;
}

/** What `update` may change; a field set to null is cleared (no limit). */
export interface AccessKeyChanges {
  models?: readonly string[] | null;
  budget?: KeyPolicy['budget'] | null;
  rpm?: number | null;
  tpm?: number | null;
  /** Laid over the key's redaction field by field (a field set to null goes back to the config's); null clears it all. */
  redaction?: { mode?: RedactionMode | null; detectors?: readonly RedactionDetector[] | null } | null;
}

/** A key's redaction after `changes` (undefined: none of its own). */
export function changedRedaction(current: KeyRedaction | undefined, changes: AccessKeyChanges['redaction']): KeyRedaction | undefined {
  if (changes === undefined) return current;
  if (changes === null) return undefined;
  const next: { mode?: RedactionMode; detectors?: readonly RedactionDetector[] } = { ...current };
  if (changes.mode === null) delete next.mode;
  else if (changes.mode !== undefined) next.mode = changes.mode;
  if (changes.detectors === null) delete next.detectors;
  else if (changes.detectors !== undefined) next.detectors = changes.detectors;
  return next.mode === undefined && next.detectors === undefined ? undefined : next;
}

/** Thrown by `create` when a key in force already has the name. */
export class AccessKeyNameTaken extends Error {
  constructor(readonly keyName: string) {
    super(`An access key named '${keyName}' already exists. Pick another name, or revoke that key first.`);
    this.name = 'AccessKeyNameTaken';
  }
}

/**
 * The access keys port: named keys with their policy, kept by hash in the same store as the
 * request log, so the CLI can manage them with or without a proxy running on the data folder,
 * and every proxy on it sees a change within a poll of `version`.
 */
export interface AccessKeyStore {
  /** Stores a new key; throws AccessKeyNameTaken when a key in force has its name. */
  create(key: Omit<StoredAccessKey, 'lastUsed' | 'revoked'>): Promise<void>;
  /** Changes the policy of the key in force with this name; undefined when there is none. */
  update(name: string, changes: AccessKeyChanges): Promise<StoredAccessKey | undefined>;
  /** Revokes the key in force with this name; undefined when there is none. */
  revoke(name: string, time?: number): Promise<StoredAccessKey | undefined>;
  /** Every key, in force and revoked, oldest first. */
  list(): Promise<StoredAccessKey[]>;
  /**
   * A value that changes whenever a key is created, updated or revoked (by any process); cheap
   * enough to read twice a second without touching the database's lock.
   */
  version(): Promise<string>;
  /** Books when keys were last used, by hash; off the request path, in batches. */
  markUsed(lastUsed: ReadonlyMap<string, number>): Promise<void>;
  close(): Promise<void>;
}
