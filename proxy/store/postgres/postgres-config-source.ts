import { defaultConfig, type SwitchyardConfig } from '../../config/config';
import { parseSharedConfigText } from '../../config/shared-config';
import { ConfigVersionMoved, describeConfigVersion, type ConfigVersion, type SharedConfigSource } from '../config-source';
import { openPostgresDatabase, type PostgresDatabase } from './postgres-database';

/** The channel a push is announced on, with the new version as payload. */
const configChannel = 'switchyard_config';
/** While the LISTEN connection is down, how often the newest version is read instead. */
const pollIntervalMs = 500;
/** Held for the length of a push's transaction, so two pushes at once take consecutive numbers. */
const pushLock = 0x53796366;

/**
 * The team's config as versions in Postgres's `config_versions` table. A push stores the next
 * version and sends a NOTIFY in the same transaction (delivered at commit): every proxy
 * listening reloads at once. While a proxy's LISTEN connection is down (it comes back with
 * backoff) it reads the newest version twice a second instead, and once more on reconnecting,
 * as a notification may have been missed meanwhile.
 */
export class PostgresConfigSource implements SharedConfigSource {
  readonly location: string;

  private constructor(private readonly database: PostgresDatabase) {
    this.location = `PostgreSQL ${database.location}`;
  }

  /** Connects (a pool of two, apart from the stores': the config is read before they open) and migrates. */
  static async open(url: string, options: { log?: (message: string) => void } = {}): Promise<PostgresConfigSource> {
    return new PostgresConfigSource(await openPostgresDatabase(url, { log: options.log, poolSize: 2 }));
  }

  async load(): Promise<SwitchyardConfig> {
    const latest = await this.latest();
    return latest === undefined ? defaultConfig() : parseSharedConfigText(latest.text, describeConfigVersion(this.location, latest));
  }

  async latest(): Promise<ConfigVersion | undefined> {
    const rows = await this.database.query('SELECT * FROM config_versions ORDER BY version DESC LIMIT 1');
    return rows.length === 0 ? undefined : versionFromRow(rows[0]!);
  }

  async version(version: number): Promise<ConfigVersion | undefined> {
    const rows = await this.database.query('SELECT * FROM config_versions WHERE version = $1', [version]);
    return rows.length === 0 ? undefined : versionFromRow(rows[0]!);
  }

  async push(text: string, author: string, note?: string, ifVersion?: number): Promise<ConfigVersion> {
    // Before anything is stored: an invalid config never becomes a version.
    parseSharedConfigText(text, 'pushed');
    const created = Date.now();
    return this.database.transaction(async (client) => {
      // Under the lock, the newest version cannot move between this check and the insert.
      await client.query('SELECT pg_advisory_xact_lock($1)', [pushLock]);
      const newest = await client.query('SELECT version, author, created FROM config_versions ORDER BY version DESC LIMIT 1');
      const current = newest.rows[0] === undefined ? undefined : { version: Number(newest.rows[0].version), author: String(newest.rows[0].author), created: Number(newest.rows[0].created) };
      if (ifVersion !== undefined && (current?.version ?? 0) !== ifVersion) throw new ConfigVersionMoved(ifVersion, current, this.location);
      const version = (current?.version ?? 0) + 1;
      await client.query('INSERT INTO config_versions (version, config, author, created, note) VALUES ($1, $2, $3, $4, $5)', [version, text, author, created, note ?? null]);
      await client.query('SELECT pg_notify($1, $2)', [configChannel, String(version)]);
      const stored: ConfigVersion = { version, text, author, created };
      if (note !== undefined) stored.note = note;
      return stored;
    });
  }

  async history(limit: number): Promise<Array<Omit<ConfigVersion, 'text'> & { bytes: number }>> {
    const rows = await this.database.query('SELECT version, author, created, note, octet_length(config) AS bytes FROM config_versions ORDER BY version DESC LIMIT $1', [limit]);
    return rows.map((row) => {
      const entry: Omit<ConfigVersion, 'text'> & { bytes: number } = { version: Number(row.version), author: String(row.author), created: Number(row.created), bytes: Number(row.bytes) };
      if (typeof row.note === 'string') entry.note = row.note;
      return entry;
    });
  }

  /**
   * Calls `onChange` on every push (any proxy's or the CLI's), on reconnecting, and — while not
   * listening — when a poll finds a newer version. The listener compares versions itself.
   */
  watch(onChange: () => void): () => void {
    let listening = false;
    let polled: number | undefined;
    let stopped = false;
    const stopListening = this.database.listen(
      configChannel,
      () => onChange(),
      (now) => {
        listening = now;
        if (now) onChange();
      },
    );
    const poll = async (): Promise<void> => {
      if (listening || stopped) return;
      try {
        const rows = await this.database.query<{ version: number | null }>('SELECT MAX(version) AS version FROM config_versions');
        const newest = Number(rows[0]?.version ?? 0);
        if (newest !== polled) onChange();
        polled = newest;
      } catch {
        // The server is away: the next poll tries again, /health already says so.
      }
    };
    const timer = setInterval(() => void poll(), pollIntervalMs);
    timer.unref();
    return () => {
      stopped = true;
      clearInterval(timer);
      void stopListening();
    };
  }

  async close(): Promise<void> {
    await this.database.close();
  }
}

function versionFromRow(row: Readonly<Record<string, unknown>>): ConfigVersion {
  const version: ConfigVersion = { version: Number(row.version), text: String(row.config), author: String(row.author), created: Number(row.created) };
  if (typeof row.note === 'string') version.note = row.note;
  return version;
}
