/**
 * A process caught inside an audit-log write: opens `audit.db` in the data folder given as its
 * argument, begins a write transaction (node-sqlite3-wasm creates the lock directory), writes
 * and never commits. Prints `locked` and waits to be killed.
 */
import { openAuditDatabase } from '../../../proxy/store/sqlite/sqlite-audit-sink';

const database = openAuditDatabase(process.argv[2]!);
database.exec('BEGIN IMMEDIATE');
database.run("DELETE FROM audit WHERE id = 'none'");
process.stdout.write('locked\n');
setInterval(() => {}, 60_000);
