import crypto from 'node:crypto';
import type { RedactionDetector, RedactionMode } from './redaction-names';

/** How long a budget's spend accumulates before it starts again (calendar-aligned, local time). */
export type BudgetPeriod = 'day' | 'week' | 'month' | 'total';

export const budgetPeriods: readonly BudgetPeriod[] = ['day', 'week', 'month', 'total'];

/** What a named access key may do: every field is optional, and absent means unlimited. */
export interface KeyPolicy {
  /** Globs over the resolved `provider/model` the key may call; absent means every model. */
  readonly models?: readonly string[];
  /** The key's own budget. */
  readonly budget?: { readonly limitUsd: number; readonly period: BudgetPeriod };
  /** Requests per sliding minute. */
  readonly rpm?: number;
  /** Tokens (input + output) per sliding minute. */
  readonly tpm?: number;
  /** The key's own redaction, laid over the config's and the matched rule's (docs/privacy.md). */
  readonly redaction?: KeyRedaction;
}

/** A named key's redaction: each field set wins for the key's calls; one left out comes from the config. */
export interface KeyRedaction {
  readonly mode?: RedactionMode;
  readonly detectors?: readonly RedactionDetector[];
}

/**
 * The authenticated caller of a call: which local access key it presented. Records, routing
 * rules (`match.clientKey`) and stats name the caller by `keyId`, derived from a hash of the
 * whole key, so two keys that end in the same characters stay apart.
 */
export interface Principal {
  /** `key_` and 16 hex digits of the key's SHA-256: stable across restarts, reveals nothing usable. */
  readonly keyId: string;
  /** What the panel shows: where the key comes from (`VS Code`, `--require-key`, `config key 2`), or a named key's name. */
  readonly label: string;
  /** A named key's name (`switchyard keys create NAME`); undefined for unnamed keys. */
  readonly name?: string;
  /** A named key's allow-list, budget and rate limits; undefined for unnamed keys. */
  readonly policy?: KeyPolicy;
}

/** An accepted access key and the label its principal carries. */
export interface AccessKeyEntry {
  key: string;
  label: string;
}

/** A named key as the directory knows it: by the hash of the key, never the key. */
export interface NamedKeyEntry {
  /** Hex SHA-256 of the key. */
  readonly hash: string;
  readonly name: string;
  readonly policy: KeyPolicy;
  /** When it was revoked (ms since the epoch); a revoked key is refused by name. */
  readonly revoked?: number;
}

/**
 * Whether a policy limits anything. A key's redaction `redact` or `block` does: a caller could
 * otherwise leave the key out to send its secrets unredacted. `off` only relaxes.
 */
export function restricts(policy: KeyPolicy): boolean {
  const redacts = policy.redaction?.mode === 'redact' || policy.redaction?.mode === 'block';
  return policy.models !== undefined || policy.budget !== undefined || policy.rpm !== undefined || policy.tpm !== undefined || redacts;
}

/** The id a key is known by: never the key itself nor a readable part of it. */
export function keyIdOf(key: string): string {
  return `key_${hashKey(key).slice(0, 16)}`;
}

/**
 * Hex SHA-256 of a key: what is stored of a named key, and how a presented key is looked up.
 * Every call with a key pays for it, so it takes Node's one-shot `crypto.hash` (Node 20.12+):
 * no Hash object and its stream machinery per call, ~1.1 µs against ~3.8 µs for
 * `createHash().update().digest()` on a busy 2-core VM. An older runtime (an editor's own
 * Node) gets the same digest the long way.
 */
export const hashKey: (key: string) => string =
  typeof crypto.hash === 'function' ? (key) => crypto.hash('sha256', key, 'hex') : (key) => crypto.createHash('sha256').update(key).digest('hex');

/** The last credential each connection presented, with its hash. */
const connectionKeys = new WeakMap<object, { credential: string; hash: string }>();

/**
 * The hash of a presented key, remembered per connection: a client sends the same key on every
 * call of a keep-alive connection, and the SHA-256 was the largest part of what a governed call
 * costs to authenticate (1.1–2.6 µs a call; the comparison below ~0.05 µs). A credential is a
 * pure function's input, so no change of the keys can make a remembered hash wrong; revoked or
 * new keys are still looked up in the directory of the moment. The comparison with the
 * connection's last credential does not stop at the first differing character, so a connection
 * shared by several callers (a gateway in front) learns nothing from its timing about another's
 * key but its length. The remembered key lives as long as the connection, as its headers did.
 */
export function presentedKeyHash(credential: string, connection: object | undefined): string {
  if (connection === undefined) return hashKey(credential);
  const last = connectionKeys.get(connection);
  if (last !== undefined && sameCredential(last.credential, credential)) return last.hash;
  const hash = hashKey(credential);
  connectionKeys.set(connection, { credential, hash });
  return hash;
}

/** Equality that reads every character whatever it finds (credentials of unequal length differ at once). */
function sameCredential(known: string, presented: string): boolean {
  if (known.length !== presented.length) return false;
  let difference = 0;
  for (let index = 0; index < known.length; index++) difference |= known.charCodeAt(index) ^ presented.charCodeAt(index);
  return difference === 0;
}

/**
 * The accepted keys of one config version and one version of the named keys, looked up by the
 * hash of the presented key: one SHA-256 and a map lookup whatever the number of keys, and no
 * comparison that leaks timing about the key (the map compares digests, not keys).
 */
export class PrincipalDirectory {
  private readonly byHash = new Map<string, Principal>();
  /** Revoked named keys by hash, to their names: refused with a message that says so. */
  private readonly revokedByHash = new Map<string, string>();
  /** Hashes of the named keys in force, so `onUse` is not called for unnamed keys. */
  private readonly namedHashes = new Set<string>();
  /** Whether a caller without a key is refused (see `requiresKey`). */
  private readonly required: boolean;
  private readonly onUse: ((hash: string) => void) | undefined;
  /** Why keys that should be in force could not be read (a broken config file); see `lockedBy`. */
  private readonly locked: string | undefined;

  /**
   * @param named the named keys (active and revoked) of the key store
   * @param onUse told the hash of each named key used (for `last used`, batched by the caller)
   * @param lockedBy why access keys that should be in force could not be read: every caller
   *   without an accepted key is then refused with this reason (fail closed)
   * @param restrictedElsewhere the config restricts named keys by name (a budget with `match.key`,
   *   a `redaction.keys` entry that redacts or blocks): a key is then required as if the key's
   *   own policy restricted it
   */
  constructor(entries: readonly AccessKeyEntry[], named: readonly NamedKeyEntry[] = [], onUse?: (hash: string) => void, lockedBy?: string, restrictedElsewhere = false) {
    for (const { key, label } of entries) {
      const hash = hashKey(key);
      // The first label wins for a key listed twice (config and --require-key alike).
      if (!this.byHash.has(hash)) this.byHash.set(hash, { keyId: `key_${hash.slice(0, 16)}`, label });
    }
    for (const entry of named) {
      if (entry.revoked !== undefined) {
        this.revokedByHash.set(entry.hash, entry.name);
        continue;
      }
      if (this.byHash.has(entry.hash)) continue;
      this.byHash.set(entry.hash, { keyId: `key_${entry.hash.slice(0, 16)}`, label: entry.name, name: entry.name, policy: entry.policy });
      this.namedHashes.add(entry.hash);
    }
    this.onUse = onUse;
    this.locked = lockedBy;
    const active = named.filter((entry) => entry.revoked === undefined);
    this.required = lockedBy !== undefined || entries.length > 0 || active.some((entry) => restricts(entry.policy)) || (restrictedElsewhere && active.length > 0);
  }

  /** How many keys are accepted (unnamed and named in force); 0: no key is looked at. */
  get size(): number {
    return this.byHash.size;
  }

  /**
   * Whether a caller must send a key: when any unnamed key is configured, or any named key in
   * force restricts something (models, budget, rate — its own, or a config budget matching keys).
   * Keys that only name a caller (the extension's per-workspace keys) do not lock anyone else
   * out; a limited key would be pointless if its holder could leave it out and go unlimited.
   */
  get requiresKey(): boolean {
    return this.required;
  }

  /**
   * Why access keys that should be in force could not be read (the config file was broken when
   * the proxy started and names keys it cannot read), or undefined. A caller without another
   * accepted key is refused with it until the file is fixed.
   */
  get lockedBy(): string | undefined {
    return this.locked;
  }

  /** Whether some revoked named key is known: presenting one is refused even where no key is required. */
  get hasRevoked(): boolean {
    return this.revokedByHash.size > 0;
  }

  /**
   * The principal of a presented credential, or undefined when it is not an accepted key.
   * `connection` (the request's socket): the credential's hash is remembered for it, see
   * `presentedKeyHash`.
   */
  lookup(credential: string | undefined, connection?: object): Principal | undefined {
    if (credential === undefined || credential === '') return undefined;
    const hash = presentedKeyHash(credential, connection);
    const principal = this.byHash.get(hash);
    if (principal !== undefined && this.onUse !== undefined && this.namedHashes.has(hash)) this.onUse(hash);
    return principal;
  }

  /** The name of the revoked named key a credential is, or undefined. */
  revokedName(credential: string | undefined, connection?: object): string | undefined {
    if (credential === undefined || credential === '' || this.revokedByHash.size === 0) return undefined;
    return this.revokedByHash.get(presentedKeyHash(credential, connection));
  }

  /** Every principal, for matching rules written with a label or an id. */
  principals(): Principal[] {
    return [...this.byHash.values()];
  }
}
