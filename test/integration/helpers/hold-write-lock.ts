/**
 * A process caught inside a request-log write: opens `switchyard.db` in the data folder given
 * as its argument, begins a write transaction (node-sqlite3-wasm creates the lock directory),
 * inserts into the log and never commits. Prints `locked` and waits to be killed.
 */
import { openDatabase } from '../../../proxy/store/sqlite/open-database';

const { database } = openDatabase(process.argv[2]!);
database.exec('BEGIN IMMEDIATE');
database.run("DELETE FROM requests WHERE id = 'none'");
process.stdout.write('locked\n');
setInterval(() => {}, 60_000);
