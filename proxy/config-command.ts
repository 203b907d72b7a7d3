import { readFileSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { parseCommandLine } from './command-line';
import { ConfigError } from './config/load-config';
import { parseSharedConfigText } from './config/shared-config';
import { describePostgresUrl } from './store/postgres/postgres-url';
import { ConfigVersionMoved, type SharedConfigSource } from './store/config-source';

export const configUsage = `Usage: switchyard config <command> --postgres-url URL [options]

The team's config in PostgreSQL (docs/team.md): proxies started with
"storage": { "configSource": "postgres" } (or --config-source postgres) serve the newest
version pushed here, and reload within a second when anyone pushes another.

Commands:
  config push FILE [--note TEXT] [--author NAME] [--if-version N]
                    validates FILE and stores it as the next version; refused, storing
                    nothing, when it is invalid or holds per-proxy fields or secrets
                    (accessKeys, storage, dataDir) (exit code 2), and with --if-version
                    when the newest stored version is not N (0: none yet) (exit code 3)
  config pull [--version N] [--out FILE]
                    the newest version (or version N) as JSON, to stdout or FILE
  config history [--limit N] [--json]
                    versions, newest first: number, when, who, size, note

Options:
  --postgres-url URL
                    the team's PostgreSQL (default $SWITCHYARD_POSTGRES_URL)
  --author NAME     who pushes (default user@host)`;

/** Runs `switchyard config …`; resolves with the exit code. */
export async function configCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandLine('config', configUsage, argv, {
    'postgres-url': { type: 'string' },
    note: { type: 'string' },
    author: { type: 'string' },
    'if-version': { type: 'string' },
    version: { type: 'string' },
    out: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [command, file] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(`${configUsage}\n`);
    return values.help ? 0 : 2;
  }
  if (!['push', 'pull', 'history'].includes(command)) {
    process.stderr.write(`switchyard config: unknown command '${command}'.\n\n${configUsage}\n`);
    return 2;
  }
  if (command === 'push' && file === undefined) {
    process.stderr.write('switchyard config push: give the config file to push: switchyard config push team.json --postgres-url …\n');
    return 2;
  }
  const version = values.version === undefined ? undefined : Number(values.version);
  if (version !== undefined && !(Number.isInteger(version) && version > 0)) {
    process.stderr.write(`switchyard config: --version must be a version number (1, 2, …), not '${values.version}'.\n`);
    return 2;
  }
  const ifVersion = values['if-version'] === undefined ? undefined : Number(values['if-version']);
  if (ifVersion !== undefined && !(Number.isInteger(ifVersion) && ifVersion >= 0 && /^\d+$/.test(values['if-version']!))) {
    process.stderr.write(`switchyard config push: --if-version must be the version you started from (0 before the first push), not '${values['if-version']}'.\n`);
    return 2;
  }
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!(Number.isInteger(limit) && limit > 0)) {
    process.stderr.write(`switchyard config: --limit must be a whole number above 0, not '${values.limit}'.\n`);
    return 2;
  }
  const postgresUrl = values['postgres-url'] ?? (process.env.SWITCHYARD_POSTGRES_URL || undefined);
  if (postgresUrl === undefined) {
    process.stderr.write(`switchyard config: give the team's PostgreSQL with --postgres-url or SWITCHYARD_POSTGRES_URL.\n\n${configUsage}\n`);
    return 2;
  }
  // Read before connecting: a missing file is the user's first mistake to hear about.
  let text: string | undefined;
  if (command === 'push') {
    try {
      text = readFileSync(file!, 'utf8');
    } catch (error) {
      process.stderr.write(`switchyard config push: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}).\n`);
      return 2;
    }
  }
  // pg only for this command.
  const { PostgresConfigSource } = await import('./store/postgres/postgres-config-source');
  let source: SharedConfigSource;
  try {
    source = await PostgresConfigSource.open(postgresUrl);
  } catch (error) {
    process.stderr.write(`switchyard config: cannot open PostgreSQL ${describePostgresUrl(postgresUrl)}: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    if (command === 'push') return await push(source, text!, file!, values.author ?? `${userInfo().username}@${hostname()}`, values.note, ifVersion);
    if (command === 'pull') return await pull(source, version, values.out);
    return await history(source, limit, values.json === true);
  } finally {
    await source.close();
  }
}

/** The exit code of a conditional push the stored version overtook (2 is a bad file or usage). */
const versionMovedExitCode = 3;

async function push(source: SharedConfigSource, text: string, file: string, author: string, note: string | undefined, ifVersion: number | undefined): Promise<number> {
  try {
    // Checked here too so the problems name the file, with line and column; push checks again.
    parseSharedConfigText(text, file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`switchyard config push: nothing stored. ${error.message}\n`);
    return 2;
  }
  let stored;
  try {
    stored = await source.push(text, author, note, ifVersion);
  } catch (error) {
    if (!(error instanceof ConfigVersionMoved)) throw error;
    process.stderr.write(
      `switchyard config push: nothing stored: ${error.message} as --if-version says. Someone pushed meanwhile: ` +
        `pull it (switchyard config pull --out ${file}), apply your change again and push with --if-version ${error.currentVersion}.\n`,
    );
    return versionMovedExitCode;
  }
  process.stdout.write(`Pushed ${file} as version ${stored.version} to ${source.location}; proxies using it reload within a second.\n`);
  return 0;
}

async function pull(source: SharedConfigSource, version: number | undefined, out: string | undefined): Promise<number> {
  const stored = version === undefined ? await source.latest() : await source.version(version);
  if (stored === undefined) {
    process.stderr.write(version === undefined ? `switchyard config pull: no config was pushed to ${source.location} yet (switchyard config push FILE).\n` : `switchyard config pull: there is no version ${version} in ${source.location}.\n`);
    return 1;
  }
  if (out === undefined) process.stdout.write(stored.text.endsWith('\n') ? stored.text : `${stored.text}\n`);
  else {
    writeFileSync(out, stored.text);
    process.stdout.write(`Wrote version ${stored.version} (${stored.author}, ${new Date(stored.created).toISOString()}) to ${out}.\n`);
  }
  return 0;
}

async function history(source: SharedConfigSource, limit: number, json: boolean): Promise<number> {
  const versions = await source.history(limit);
  if (json) {
    process.stdout.write(`${JSON.stringify({ versions: versions.map((entry) => ({ ...entry, created: new Date(entry.created).toISOString() })) }, null, 2)}\n`);
    return 0;
  }
  if (versions.length === 0) {
    process.stdout.write(`No config was pushed to ${source.location} yet.\n`);
    return 0;
  }
  const lines = versions.map((entry) => [String(entry.version).padStart(5), new Date(entry.created).toISOString().slice(0, 19).replace('T', ' '), entry.author.padEnd(24), `${entry.bytes} bytes`.padStart(12), entry.note ?? ''].join('  ').trimEnd());
  process.stdout.write(`${['version  pushed (UTC)         author                           size  note', ...lines].join('\n')}\n`);
  return 0;
}
