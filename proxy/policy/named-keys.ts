import { randomBytes } from 'node:crypto';
import { budgetPeriods, hashKey, type BudgetPeriod, type KeyPolicy, type KeyRedaction, type NamedKeyEntry } from '../core/principal';
import { redactionDetectors, redactionModes, type RedactionDetector, type RedactionMode } from '../core/redaction-names';
import { changedRedaction, type AccessKeyChanges, type AccessKeyStore, type StoredAccessKey } from '../store/access-keys';

/** What a new named key may do, as given to `create`. */
export interface NewKeyOptions {
  name: string;
  models?: readonly string[];
  budget?: { limitUsd: number; period: BudgetPeriod };
  rpm?: number;
  tpm?: number;
  redaction?: KeyRedaction;
}

/** A problem with a key management request: bad name, bad limit, unknown key. */
export class KeyRequestError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'KeyRequestError';
  }
}

const namePattern = /^[A-Za-z0-9][A-Za-z0-9._@ -]{0,63}$/;

/** A new access key: `sy-` and 43 characters of 32 random bytes (base64url). */
export function generateAccessKey(): string {
  return `sy-${randomBytes(32).toString('base64url')}`;
}

/** Checks a key name; throws KeyRequestError naming the rule. */
export function checkKeyName(name: unknown): string {
  if (typeof name !== 'string' || !namePattern.test(name)) {
    throw new KeyRequestError(400, `A key name is 1 to 64 letters, digits, spaces or . _ @ -, starting with a letter or digit; '${String(name)}' is not.`);
  }
  return name;
}

/** Parses `--budget USD/PERIOD` (`5/day`, `$200/month`). */
export function parseBudgetText(text: string): { limitUsd: number; period: BudgetPeriod } {
  const match = /^\$?(\d+(?:\.\d+)?)\/(\w+)$/.exec(text.trim());
  const period = match?.[2] as BudgetPeriod | undefined;
  if (match === null || period === undefined || !budgetPeriods.includes(period)) {
    throw new KeyRequestError(400, `A budget is USD/PERIOD, such as 5/day or 200/month, with a period of ${budgetPeriods.join(', ')}; '${text}' is not.`);
  }
  return { limitUsd: Number(match[1]), period };
}

/** Checks a policy's fields as given over the control API or the CLI. */
export function checkKeyChanges(input: Record<string, unknown>): AccessKeyChanges {
  const changes: AccessKeyChanges = {};
  const known = ['models', 'budget', 'rpm', 'tpm', 'redaction', 'name'];
  for (const field of Object.keys(input)) if (!known.includes(field)) throw new KeyRequestError(400, `Unknown field '${field}'. A key has: models, budget, rpm, tpm, redaction.`);
  if (input.models !== undefined) {
    const models = input.models;
    if (models !== null && (!Array.isArray(models) || models.length === 0 || !models.every((model) => typeof model === 'string' && model.trim() !== ''))) {
      throw new KeyRequestError(400, 'models must be a non-empty list of globs over provider/model (such as groq/*, anthropic/claude-haiku-*), or null for every model.');
    }
    for (const model of (models ?? []) as string[]) {
      if (!model.includes('/') && !/^\*+$/.test(model)) throw new KeyRequestError(400, `'${model}' must be a glob over provider/model, such as */${model} or openai/${model}.`);
    }
    changes.models = models as string[] | null;
  }
  if (input.budget !== undefined) {
    const budget = input.budget;
    if (budget === null) changes.budget = null;
    else if (typeof budget === 'string') changes.budget = parseBudgetText(budget);
    else if (typeof budget === 'object' && !Array.isArray(budget)) {
      const { limitUsd, period } = budget as Record<string, unknown>;
      if (typeof limitUsd !== 'number' || !Number.isFinite(limitUsd) || limitUsd < 0) throw new KeyRequestError(400, 'budget.limitUsd must be a non-negative number of US dollars.');
      if (typeof period !== 'string' || !(budgetPeriods as readonly string[]).includes(period)) throw new KeyRequestError(400, `budget.period must be one of ${budgetPeriods.join(', ')}.`);
      changes.budget = { limitUsd, period: period as BudgetPeriod };
    } else throw new KeyRequestError(400, 'budget must be { "limitUsd": N, "period": "day" } or "N/day", or null for none.');
  }
  for (const field of ['rpm', 'tpm'] as const) {
    const value = input[field];
    if (value === undefined) continue;
    if (value !== null && (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)) throw new KeyRequestError(400, `${field} must be a positive whole number, or null for no limit.`);
    changes[field] = value as number | null;
  }
  if (input.redaction !== undefined) changes.redaction = checkRedactionChange(input.redaction);
  return changes;
}

/**
 * A key's redaction as given: `{ "mode": "block", "detectors": ["secrets"] }` (a field set to
 * null goes back to the config's), a mode alone (`"redact"`), or null for none of its own.
 */
function checkRedactionChange(value: unknown): AccessKeyChanges['redaction'] {
  if (value === null) return null;
  if (typeof value === 'string') value = { mode: value };
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new KeyRequestError(400, 'redaction must be { "mode": "redact", "detectors": ["secrets", "email"] }, a mode alone, or null to follow the config.');
  }
  const change: { mode?: RedactionMode | null; detectors?: RedactionDetector[] | null } = {};
  for (const [field, item] of Object.entries(value as Record<string, unknown>)) {
    if (field === 'mode') {
      if (item !== null && !(redactionModes as readonly unknown[]).includes(item)) throw new KeyRequestError(400, `redaction.mode must be one of ${redactionModes.join(', ')}, or null to follow the config.`);
      change.mode = item as RedactionMode | null;
    } else if (field === 'detectors') {
      if (item !== null && (!Array.isArray(item) || item.length === 0 || !item.every((name) => (redactionDetectors as readonly unknown[]).includes(name)))) {
        throw new KeyRequestError(400, `redaction.detectors must be a non-empty list of ${redactionDetectors.join(', ')}, or null to follow the config.`);
      }
      change.detectors = item as RedactionDetector[] | null;
    } else {
      throw new KeyRequestError(400, `Unknown field 'redaction.${field}'. A key's redaction has: mode, detectors (custom patterns and allowed values come from the config).`);
    }
  }
  return change;
}

/** A key's redaction in a word or two, for lists: `redaction: block (secrets)`, `redaction: config's`. */
export function describeKeyRedaction(redaction: KeyRedaction | undefined): string {
  if (redaction === undefined) return "redaction: config's";
  const detectors = redaction.detectors === undefined ? '' : ` (${redaction.detectors.join(', ')})`;
  return `redaction: ${redaction.mode ?? "config's mode"}${detectors}`;
}

/** A key as listed: never the key, nor its hash. */
export interface ListedKey {
  name: string;
  keyId: string;
  models?: readonly string[];
  budget?: { limitUsd: number; period: BudgetPeriod };
  rpm?: number;
  tpm?: number;
  redaction?: KeyRedaction;
  created: number;
  lastUsed?: number;
  revoked?: number;
}

export function listedKey(key: StoredAccessKey): ListedKey {
  const listed: ListedKey = { name: key.name, keyId: `key_${key.hash.slice(0, 16)}`, created: key.created, ...key.policy };
  if (key.lastUsed !== undefined) listed.lastUsed = key.lastUsed;
  if (key.revoked !== undefined) listed.revoked = key.revoked;
  return listed;
}

/** Creates a named key in the store; resolves with the key itself, which is never shown again. */
export async function createNamedKey(store: AccessKeyStore, options: NewKeyOptions, now: number = Date.now()): Promise<{ key: string; listed: ListedKey }> {
  const name = checkKeyName(options.name);
  const changes = checkKeyChanges({ models: options.models, budget: options.budget, rpm: options.rpm, tpm: options.tpm, redaction: options.redaction });
  const policy: { -readonly [K in keyof KeyPolicy]: KeyPolicy[K] } = {};
  if (changes.models) policy.models = changes.models;
  if (changes.budget) policy.budget = changes.budget;
  if (changes.rpm) policy.rpm = changes.rpm;
  if (changes.tpm) policy.tpm = changes.tpm;
  const redaction = changedRedaction(undefined, changes.redaction);
  if (redaction !== undefined) policy.redaction = redaction;
  const key = generateAccessKey();
  const stored = { hash: hashKey(key), name, policy, created: now };
  try {
    await store.create(stored);
  } catch (error) {
    if ((error as Error).name === 'AccessKeyNameTaken') throw new KeyRequestError(409, (error as Error).message);
    throw error;
  }
  return { key, listed: listedKey(stored) };
}

export interface NamedKeyRegistryOptions {
  store: AccessKeyStore;
  /** How often the store's key version is read (ms). */
  pollMs?: number;
  /** How often `last used` times are written (ms). */
  usedFlushMs?: number;
  /** Called when the keys changed (here or in another process). */
  onChange: () => void;
  log?: (message: string) => void;
}

/**
 * The named keys of the key store, kept in memory for the front door and refreshed when the
 * store's version moves: one small read every `pollMs` (500 ms), off the request path, so a
 * key created or revoked by the CLI or another proxy is in force within a second. `last used`
 * times are collected in memory and written in one batch every few seconds.
 */
export class NamedKeyRegistry {
  readonly store: AccessKeyStore;
  private current: NamedKeyEntry[] = [];
  private version: string | undefined;
  /** Hashes of keys used since the last write; stamped with the time of the write. */
  private readonly used = new Set<string>();
  private readonly pollMs: number;
  private readonly usedFlushMs: number;
  private readonly onChange: () => void;
  private readonly log: (message: string) => void;
  private poller: NodeJS.Timeout | undefined;
  private flusher: NodeJS.Timeout | undefined;
  private polling = false;
  private polls = 0;

  constructor(options: NamedKeyRegistryOptions) {
    this.store = options.store;
    this.pollMs = options.pollMs ?? 500;
    this.usedFlushMs = options.usedFlushMs ?? 5000;
    this.onChange = options.onChange;
    this.log = options.log ?? (() => {});
  }

  /** The named keys (in force and revoked) as of the last refresh. */
  get entries(): readonly NamedKeyEntry[] {
    return this.current;
  }

  /** Loads the keys and starts watching the store. */
  async start(): Promise<void> {
    await this.refresh();
    this.poller = setInterval(() => void this.poll(), this.pollMs);
    this.poller.unref();
  }

  /** Reads the keys again now if their version moved (or always, when `force`). */
  async refresh(force = false): Promise<void> {
    const version = await this.store.version();
    if (!force && version === this.version) return;
    const keys = await this.store.list();
    const entries = keys.map((key) => {
      const entry: NamedKeyEntry = key.revoked === undefined ? { hash: key.hash, name: key.name, policy: key.policy } : { hash: key.hash, name: key.name, policy: key.policy, revoked: key.revoked };
      return entry;
    });
    // `last used` moves all the time and is no change of the keys: the routing state stays.
    const changed = this.version === undefined || JSON.stringify(entries) !== JSON.stringify(this.current);
    this.version = version;
    if (!changed) return;
    this.current = entries;
    this.onChange();
  }

  /** Notes a key's use; written later, in a batch (so `last used` is exact to a few seconds). */
  readonly markUsed = (hash: string): void => {
    this.used.add(hash);
    if (this.flusher === undefined) {
      this.flusher = setTimeout(() => void this.flushUsed(), this.usedFlushMs);
      this.flusher.unref();
    }
  };

  async close(): Promise<void> {
    clearInterval(this.poller);
    clearTimeout(this.flusher);
    await this.flushUsed();
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      // Every 30 s a full read besides: two processes writing the version marker out of order
      // could leave it as it was after a change.
      const full = ++this.polls % Math.max(1, Math.round(30_000 / this.pollMs)) === 0;
      await this.refresh(full);
    } catch (error) {
      // Busy (another process writing) or gone: the next poll tries again.
      if (!/locked|busy|closed/i.test((error as Error).message)) this.log(`access keys not refreshed: ${(error as Error).message}`);
    } finally {
      this.polling = false;
    }
  }

  private async flushUsed(): Promise<void> {
    this.flusher = undefined;
    if (this.used.size === 0) return;
    const now = Date.now();
    const batch = new Map([...this.used].map((hash) => [hash, now]));
    this.used.clear();
    try {
      await this.store.markUsed(batch);
    } catch (error) {
      this.log(`last-used times of access keys not written: ${(error as Error).message}`);
    }
  }
}
