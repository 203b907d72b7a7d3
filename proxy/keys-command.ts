import { parseCommandLine } from './command-line';
import { periodBounds } from './policy/budget-period';
import { checkKeyChanges, createNamedKey, describeKeyRedaction, KeyRequestError, listedKey, type ListedKey } from './policy/named-keys';
import { changedRedaction } from './store/access-keys';
import { keyBudgetName } from './policy/budgets';
import { openDatabase } from './store/sqlite/open-database';
import { SqliteAccessKeys } from './store/sqlite/sqlite-access-keys';
import { SqliteSpendLedger } from './store/sqlite/sqlite-spend-ledger';
import type { AccessKeyStore } from './store/access-keys';
import type { SpendLedger } from './store/spend-ledger';

export const keysUsage = `Usage: switchyard keys <command> [options]

Named access keys: each tool gets its own key, with the models it may call, a budget and
rate limits. Keys are kept (as hashes only) in the data folder's database; a proxy running
on that folder picks up every change within a second.

Commands:
  keys create NAME [--models GLOB,...] [--budget USD/PERIOD] [--rpm N] [--tpm N]
                   [--redaction off|redact|block] [--redaction-detectors NAME,...]
                    prints the new key once; it is never shown again
  keys list [--json]
                    name, allowed models, budget with this period's spend, limits, redaction,
                    created, last used (never the key)
  keys update NAME [--models GLOB,...|all] [--budget USD/PERIOD|none] [--rpm N|none] [--tpm N|none]
                   [--redaction off|redact|block|config] [--redaction-detectors NAME,...|config]
  keys revoke NAME  clients sending the key get 401 from then on

Options:
  --data-dir DIR    the proxy's data folder (default $SWITCHYARD_DATA_DIR, else the user's data folder)
  --postgres-url URL
                    a team's PostgreSQL instead (default $SWITCHYARD_POSTGRES_URL): every proxy
                    on it picks up the change at once (docs/team.md)

Models are globs over the resolved provider/model (groq/*, anthropic/claude-haiku-*);
a budget is USD per day, week, month or total (5/day, 200/month), calendar-aligned in local time.
Redaction: the key's own mode and detectors (secrets, email, phone, credit-card, iban,
ip-address) win over the config's and a matched rule's for every call made with the key;
\`config\` goes back to the config's (see docs/privacy.md).`;

/** Runs `switchyard keys …`; resolves with the exit code. */
export async function keysCommand(argv: string[], defaultDataDir: string): Promise<number> {
  const parsed = parseCommandLine('keys', keysUsage, argv, {
    models: { type: 'string' },
    budget: { type: 'string' },
    rpm: { type: 'string' },
    tpm: { type: 'string' },
    redaction: { type: 'string' },
    'redaction-detectors': { type: 'string' },
    'data-dir': { type: 'string' },
    'postgres-url': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [command, name] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(`${keysUsage}\n`);
    return values.help ? 0 : 2;
  }
  const postgresUrl = values['postgres-url'] ?? (process.env.SWITCHYARD_POSTGRES_URL || undefined);
  const { store, ledger, close } = await openKeyStores(postgresUrl, values['data-dir'] ?? process.env.SWITCHYARD_DATA_DIR ?? defaultDataDir);
  try {
    switch (command) {
      case 'create': {
        if (name === undefined) throw new KeyRequestError(400, 'Name the key: switchyard keys create NAME.');
        const changes = checkKeyChanges(policyFields(values));
        const created = await createNamedKey(store, {
          name,
          models: changes.models ?? undefined,
          budget: changes.budget ?? undefined,
          rpm: changes.rpm ?? undefined,
          tpm: changes.tpm ?? undefined,
          redaction: changedRedaction(undefined, changes.redaction),
        });
        process.stdout.write(`${created.key}\n`);
        process.stderr.write(`Access key '${name}' created (${created.listed.keyId}). It is shown only this once: give it to the tool as its API key.\n`);
        return 0;
      }
      case 'list': {
        const keys = (await store.list()).map(listedKey);
        const now = Date.now();
        const spent = new Map<string, number>();
        for (const key of keys) {
          if (key.budget === undefined || key.revoked !== undefined) continue;
          const [state] = await ledger.read([{ budget: keyBudgetName(key.name), periodStart: periodBounds(key.budget.period, now).start }], now);
          spent.set(key.name, state?.spentUsd ?? 0);
        }
        if (values.json) process.stdout.write(`${JSON.stringify({ keys: keys.map((key) => (spent.has(key.name) ? { ...key, spentUsd: spent.get(key.name) } : key)) }, null, 2)}\n`);
        else process.stdout.write(formatKeys(keys, spent));
        return 0;
      }
      case 'update': {
        if (name === undefined) throw new KeyRequestError(400, 'Name the key: switchyard keys update NAME --models … --budget … --rpm … --tpm ….');
        const changes = checkKeyChanges(policyFields(values));
        if (Object.keys(changes).length === 0) throw new KeyRequestError(400, 'Nothing to change: give --models, --budget, --rpm, --tpm, --redaction or --redaction-detectors.');
        const updated = await store.update(name, changes);
        if (updated === undefined) throw new KeyRequestError(404, `There is no access key named '${name}' in force (see switchyard keys list).`);
        process.stdout.write(formatKeys([listedKey(updated)], new Map()));
        return 0;
      }
      case 'revoke': {
        if (name === undefined) throw new KeyRequestError(400, 'Name the key: switchyard keys revoke NAME.');
        const revoked = await store.revoke(name);
        if (revoked === undefined) throw new KeyRequestError(404, `There is no access key named '${name}' in force (see switchyard keys list).`);
        process.stdout.write(`Access key '${name}' revoked.\n`);
        return 0;
      }
      default:
        process.stderr.write(`switchyard keys: unknown command '${command}'.\n\n${keysUsage}\n`);
        return 2;
    }
  } catch (error) {
    if (!(error instanceof KeyRequestError)) throw error;
    process.stderr.write(`switchyard keys: ${error.message}\n`);
    return error.status === 404 ? 1 : 2;
  } finally {
    await close();
  }
}

/** The key store and spend ledger: the team's PostgreSQL when a URL is given, else the data folder's SQLite. */
async function openKeyStores(postgresUrl: string | undefined, dataDir: string): Promise<{ store: AccessKeyStore; ledger: SpendLedger; close: () => Promise<void> }> {
  if (postgresUrl !== undefined) {
    const { openPostgresKeyStores } = await import('./store/postgres/postgres-key-stores');
    return openPostgresKeyStores(postgresUrl);
  }
  const { database, file } = openDatabase(dataDir);
  return {
    store: new SqliteAccessKeys(database, file),
    ledger: new SqliteSpendLedger(database),
    close: async () => database.close(),
  };
}

/** The policy options as the control API takes them; `all` and `none` clear a limit, `config` a redaction field. */
function policyFields(values: { models?: string; budget?: string; rpm?: string; tpm?: string; redaction?: string; 'redaction-detectors'?: string }): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (values.models !== undefined) fields.models = values.models === 'all' ? null : values.models.split(',').map((model) => model.trim()).filter((model) => model !== '');
  if (values.budget !== undefined) fields.budget = values.budget === 'none' ? null : values.budget;
  for (const field of ['rpm', 'tpm'] as const) {
    const value = values[field];
    if (value !== undefined) fields[field] = value === 'none' ? null : Number(value);
  }
  const redaction: Record<string, unknown> = {};
  if (values.redaction !== undefined) redaction.mode = values.redaction === 'config' ? null : values.redaction;
  const detectors = values['redaction-detectors'];
  if (detectors !== undefined) redaction.detectors = detectors === 'config' ? null : detectors.split(',').map((name) => name.trim()).filter((name) => name !== '');
  if (Object.keys(redaction).length > 0) fields.redaction = redaction;
  return fields;
}

function formatKeys(keys: readonly ListedKey[], spent: ReadonlyMap<string, number>): string {
  if (keys.length === 0) return 'No named access keys. Create one with: switchyard keys create NAME\n';
  const rows = keys.map((key) => [
    key.name,
    key.revoked === undefined ? key.keyId : `revoked ${new Date(key.revoked).toISOString()}`,
    key.models?.join(',') ?? 'all models',
    key.budget === undefined ? 'no budget' : `$${(spent.get(key.name) ?? 0).toFixed(4)} of $${key.budget.limitUsd}/${key.budget.period}`,
    [key.rpm === undefined ? undefined : `${key.rpm} rpm`, key.tpm === undefined ? undefined : `${key.tpm} tpm`].filter(Boolean).join(' ') || 'no rate limit',
    describeKeyRedaction(key.redaction),
    `created ${new Date(key.created).toISOString()}`,
    key.lastUsed === undefined ? 'never used' : `last used ${new Date(key.lastUsed).toISOString()}`,
  ]);
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => `${row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()}\n`).join('');
}
