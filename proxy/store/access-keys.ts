import type { BudgetPeriod, KeyPolicy, KeyRedaction } from '../core/principal';
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

/** A value of an `access_keys` column, as both SQL backends bind it. */
export type AccessKeyColumnValue = string | number | null;

/** The `access_keys` columns a new key fills, in the order of {@link accessKeyRowValues}. */
export const accessKeyInsertColumns = ['hash', 'name', 'models', 'budget_usd', 'budget_period', 'rpm', 'tpm', 'redaction', 'created'] as const;

/**
 * A new key's row, one value per {@link accessKeyInsertColumns}: list fields as JSON text, a
 * limit not set as NULL. The one mapping of key to row, shared by the SQLite and Postgres stores.
 */
export function accessKeyRowValues(key: Omit<StoredAccessKey, 'lastUsed' | 'revoked'>): AccessKeyColumnValue[] {
  const { policy } = key;
  return [
    key.hash,
    key.name,
    policy.models === undefined ? null : JSON.stringify(policy.models),
    policy.budget?.limitUsd ?? null,
    policy.budget?.period ?? null,
    policy.rpm ?? null,
    policy.tpm ?? null,
    policy.redaction === undefined ? null : JSON.stringify(policy.redaction),
    key.created,
  ];
}

/** The columns `changes` set on the stored key `current`, with their new values; empty when nothing changes. */
export function changedAccessKeyColumns(current: StoredAccessKey, changes: AccessKeyChanges): Array<[column: string, value: AccessKeyColumnValue]> {
  const columns: Array<[string, AccessKeyColumnValue]> = [];
  if (changes.models !== undefined) columns.push(['models', changes.models === null ? null : JSON.stringify(changes.models)]);
  if (changes.budget !== undefined) columns.push(['budget_usd', changes.budget?.limitUsd ?? null], ['budget_period', changes.budget?.period ?? null]);
  if (changes.rpm !== undefined) columns.push(['rpm', changes.rpm]);
  if (changes.tpm !== undefined) columns.push(['tpm', changes.tpm]);
  if (changes.redaction !== undefined) {
    const redaction = changedRedaction(current.policy.redaction, changes.redaction);
    columns.push(['redaction', redaction === undefined ? null : JSON.stringify(redaction)]);
  }
  return columns;
}

/** A row of the `access_keys` table (SQLite or Postgres, same columns) as a stored key. */
export function accessKeyFromRow(row: Readonly<Record<string, unknown>>): StoredAccessKey {
  const policy: { -readonly [K in keyof KeyPolicy]: KeyPolicy[K] } = {};
  if (typeof row.models === 'string') policy.models = JSON.parse(row.models) as string[];
  if (typeof row.budget_usd === 'number' && typeof row.budget_period === 'string') policy.budget = { limitUsd: row.budget_usd, period: row.budget_period as BudgetPeriod };
  if (typeof row.rpm === 'number') policy.rpm = row.rpm;
  if (typeof row.tpm === 'number') policy.tpm = row.tpm;
  if (typeof row.redaction === 'string') policy.redaction = JSON.parse(row.redaction) as KeyRedaction;
  const key: StoredAccessKey = { hash: String(row.hash), name: String(row.name), policy, created: Number(row.created) };
  if (typeof row.last_used === 'number') key.lastUsed = row.last_used;
  if (typeof row.revoked === 'number') key.revoked = row.revoked;
  return key;
}
