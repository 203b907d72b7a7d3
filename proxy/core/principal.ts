import { createHash } from 'node:crypto';

/**
 * The authenticated caller of a call: which local access key it presented. Records, routing
 * rules (`match.clientKey`) and stats name the caller by `keyId`, derived from a hash of the
 * whole key, so two keys that end in the same characters stay apart.
 */
export interface Principal {
  /** `key_` and 16 hex digits of the key's SHA-256: stable across restarts, reveals nothing usable. */
  readonly keyId: string;
  /** What the panel shows: where the key comes from (`VS Code`, `--require-key`, `config key 2`). */
  readonly label: string;
}

/** An accepted access key and the label its principal carries. */
export interface AccessKeyEntry {
  key: string;
  label: string;
}

/** The id a key is known by: never the key itself nor a readable part of it. */
export function keyIdOf(key: string): string {
  return `key_${hashKey(key).slice(0, 16)}`;
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * The accepted keys of one config version, looked up by the hash of the presented key: one
 * SHA-256 and a map lookup whatever the number of keys, and no comparison that leaks timing
 * about the key (the map compares digests, not keys).
 */
export class PrincipalDirectory {
  private readonly byHash = new Map<string, Principal>();

  constructor(entries: readonly AccessKeyEntry[]) {
    for (const { key, label } of entries) {
      const hash = hashKey(key);
      // The first label wins for a key listed twice (config and --require-key alike).
      if (!this.byHash.has(hash)) this.byHash.set(hash, { keyId: `key_${hash.slice(0, 16)}`, label });
    }
  }

  /** Whether any key is required at all. */
  get size(): number {
    return this.byHash.size;
  }

  /** The principal of a presented credential, or undefined when it is not an accepted key. */
  lookup(credential: string | undefined): Principal | undefined {
    if (credential === undefined || credential === '') return undefined;
    return this.byHash.get(hashKey(credential));
  }

  /** Every principal, for matching rules written with a label or an id. */
  principals(): Principal[] {
    return [...this.byHash.values()];
  }
}
