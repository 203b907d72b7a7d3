import { parseArgs } from 'node:util';
import { describePostgresUrl } from './store/postgres/postgres-url';

export const migrateUsage = `Usage: switchyard migrate --data-dir DIR --postgres-url URL

Copies a solo Switchyard's data folder into a team's PostgreSQL (docs/team.md): request records,
named access keys (hashes only), budgets' spend and the content audit log. Safe to run again:
nothing is copied twice, and spend the solo proxy added since the last run is added once.
Stop the solo proxy first, or run it again afterwards for what it recorded meanwhile.

Options:
  --data-dir DIR    the solo data folder (default $SWITCHYARD_DATA_DIR, else the user's data folder)
  --postgres-url URL
                    the team's PostgreSQL (default $SWITCHYARD_POSTGRES_URL)`;

/** Runs `switchyard migrate …`; resolves with the exit code. */
export async function migrateCommand(argv: string[], defaultDataDir: string): Promise<number> {
  let values: { 'data-dir'?: string; 'postgres-url'?: string; help?: boolean };
  try {
    values = parseArgs({ args: argv, options: { 'data-dir': { type: 'string' }, 'postgres-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (error) {
    process.stderr.write(`switchyard migrate: ${(error as Error).message}\n\n${migrateUsage}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${migrateUsage}\n`);
    return 0;
  }
  const postgresUrl = values['postgres-url'] ?? (process.env.SWITCHYARD_POSTGRES_URL || undefined);
  if (postgresUrl === undefined) {
    process.stderr.write(`switchyard migrate: give the team's PostgreSQL with --postgres-url or SWITCHYARD_POSTGRES_URL.\n\n${migrateUsage}\n`);
    return 2;
  }
  const dataDir = values['data-dir'] ?? process.env.SWITCHYARD_DATA_DIR ?? defaultDataDir;
  // The copier (and with it pg) only for this command.
  const { copySoloData } = await import('./store/team/copy-solo-data');
  try {
    const report = await copySoloData(dataDir, postgresUrl);
    process.stdout.write(
      `Copied from ${dataDir} to ${describePostgresUrl(postgresUrl)}: ${report.records} records, ${report.keys} access keys, ` +
        `$${report.spentUsd.toFixed(6)} of new spend over ${report.budgetSlots} budget periods, ${report.auditEntries} audit entries.\n`,
    );
    if (report.keysSkipped.length > 0) {
      process.stderr.write(`Not copied: ${report.keysSkipped.join(', ')} — a different key in force in PostgreSQL has that name. Revoke one of them, then run migrate again.\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    process.stderr.write(`switchyard migrate: ${(error as Error).message}\n`);
    return 1;
  }
}
