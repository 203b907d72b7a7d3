import type { SwitchyardConfig } from '../config/config';

/**
 * The config source port: where the proxy's config comes from and how it learns of changes.
 * The file source (`./file/file-config-source`) is the solo one; a team one would read a shared
 * database.
 */
export interface ConfigSource {
  /** Where the config lives, for messages: a file path or a location without credentials. */
  readonly location: string;
  /** The config as it is now; rejects with a `ConfigError` when it is invalid. */
  load(): Promise<SwitchyardConfig>;
  /**
   * Calls `onChange` after the config changed (debounced), until the returned function is
   * called. The listener reloads; the source does not judge the new config.
   */
  watch(onChange: () => void): () => void;
}

/** One stored version of a shared config. */
export interface ConfigVersion {
  /** 1, 2, 3…: each push takes the next. */
  version: number;
  /** The config's JSON text as pushed. */
  text: string;
  /** Who pushed it: `user@host` from the CLI, `control API on host` from a proxy. */
  author: string;
  /** ms since the epoch. */
  created: number;
  /** What the change is for, when the pusher said. */
  note?: string;
}

/**
 * A config kept as numbered versions in a store every proxy of a team shares (PostgreSQL):
 * pushed by the CLI or a proxy's control API, loaded by each proxy at start and reloaded when
 * another changes it. `load` gives the newest version, the defaults while none was pushed.
 */
export interface SharedConfigSource extends ConfigSource {
  /** The newest version, or undefined while none was pushed. */
  latest(): Promise<ConfigVersion | undefined>;
  /** A version by number, or undefined when there is none. */
  version(version: number): Promise<ConfigVersion | undefined>;
  /**
   * Validates `text` (and refuses per-proxy fields and secrets) and stores it as the next
   * version; every proxy hears of it. Rejects with a ConfigError, storing nothing, when invalid.
   * With `ifVersion`, stores it only while the newest version is that one (0: none pushed yet),
   * else rejects with {@link ConfigVersionMoved}: two people editing one version cannot
   * silently overwrite each other.
   */
  push(text: string, author: string, note?: string, ifVersion?: number): Promise<ConfigVersion>;
  /** The newest versions first, at most `limit`, without their text. */
  history(limit: number): Promise<Array<Omit<ConfigVersion, 'text'> & { bytes: number }>>;
  close(): Promise<void>;
}

/** How a stored version is named in messages: `PostgreSQL host/db, version 7 (ana@laptop)`. */
export function describeConfigVersion(location: string, version: Pick<ConfigVersion, 'version' | 'author'>): string {
  return `${location}, version ${version.version} (${version.author})`;
}

/**
 * A conditional push found the stored config at another version than the pusher started from:
 * nothing was stored. Carries the newest version, so the message can name it.
 */
export class ConfigVersionMoved extends Error {
  constructor(
    readonly expected: number,
    readonly current: Pick<ConfigVersion, 'version' | 'author' | 'created'> | undefined,
    location: string,
  ) {
    super(
      current === undefined
        ? `the config at ${location} has no version yet, not version ${expected}`
        : `the config at ${location} is at version ${current.version} (${current.author}, ${new Date(current.created).toISOString()}), not version ${expected}`,
    );
    this.name = 'ConfigVersionMoved';
  }

  /** The newest version's number, 0 when none was pushed. */
  get currentVersion(): number {
    return this.current?.version ?? 0;
  }
}
