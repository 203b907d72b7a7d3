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
