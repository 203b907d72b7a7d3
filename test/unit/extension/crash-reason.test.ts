import assert from 'node:assert/strict';
import { crashNotificationMessage, crashStatusDetail, describeCrash, lastErrorLine } from '../../../extension/crash-reason';

/** What `switchyard serve` prints once it serves (stdout), as the extension's log file holds it. */
const banner = [
  'Switchyard listening on http://127.0.0.1:4141',
  'Providers with keys: none (set OPENAI_API_KEY, ANTHROPIC_API_KEY, …)',
  'Config: /tmp/e2e/switchyard-config.json',
  'Request log: /tmp/e2e/data',
  'Control API token: /tmp/e2e/data/control-token',
  'Stops by itself once no VS Code window is attached.',
].join('\n');

const killed = { kind: 'exited', code: null, signal: 'SIGKILL' } as const;
const exitedWith = (code: number) => ({ kind: 'exited', code, signal: null }) as const;

describe('crash reason', () => {
  it('says plainly that a killed proxy printed no error, whatever its running log said last', () => {
    const output = `${banner}\n2026-11-25T04:11:10.139Z config saved to /tmp/e2e/switchyard-config.json over the control API and in force\n`;
    assert.equal(describeCrash(killed, output), 'The proxy was killed by SIGKILL; no error was printed.');
  });

  it('ignores errors the running log reports and carries on from (timestamped), stack frames included', () => {
    const output = [
      banner,
      '2026-11-25T04:11:10.139Z req_ab12cd000001 internal error: TypeError: x is not a function',
      '    at relay (/ext/dist/proxy.js:120:7)',
      '2026-11-25T04:11:11.000Z request log write failed: Error: SQLITE_BUSY',
    ].join('\n');
    assert.equal(lastErrorLine(output), undefined);
    assert.equal(describeCrash({ kind: 'exited', code: null, signal: 'SIGTERM' }, output), 'The proxy was killed by SIGTERM; no error was printed.');
  });

  it('names the uncaught exception Node printed, not its source line, caret or frames', () => {
    const output = [
      banner,
      '/ext/dist/proxy.js:4021',
      '      const port = options.address.port;',
      '                                   ^',
      '',
      "TypeError: Cannot read properties of undefined (reading 'port')",
      '    at Server.onListening (/ext/dist/proxy.js:4021:36)',
      '    at Object.onceWrapper (node:events:634:28)',
      '',
      'Node.js v20.20.0',
    ].join('\n');
    assert.equal(describeCrash(exitedWith(1), output), "The proxy exited with code 1. TypeError: Cannot read properties of undefined (reading 'port').");
  });

  it('takes the last headline when errors chain, and reads an error code off `Error [CODE]:`', () => {
    const output = ['Error: first', '    at a (x.js:1:1)', 'Error [ERR_SOCKET_CLOSED]: Socket is closed', '    at b (x.js:2:2) {', "  code: 'ERR_SOCKET_CLOSED'", '}'].join('\n');
    assert.equal(lastErrorLine(output), 'Error [ERR_SOCKET_CLOSED]: Socket is closed.');
  });

  it('reads the CLI’s last words without their `switchyard:` prefix', () => {
    assert.equal(
      describeCrash(exitedWith(1), 'switchyard: Error: database disk image is malformed\n    at open (/ext/dist/proxy.js:9:9)\n'),
      'The proxy exited with code 1. Error: database disk image is malformed.',
    );
    assert.equal(
      describeCrash(exitedWith(1), 'switchyard: cannot listen on 127.0.0.1:4141 (EACCES).\n'),
      'The proxy exited with code 1. Cannot listen on 127.0.0.1:4141 (EACCES).',
    );
  });

  it('reports V8’s fatal error over its GC trace and native frames', () => {
    const output = [
      banner,
      '<--- Last few GCs --->',
      '[41211:0x6a4c000]    95220 ms: Mark-Compact 4042.6 (4138.9) -> 4030.2 (4141.4) MB, 1620.26 / 0.00 ms',
      '<--- JS stacktrace --->',
      'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
      '----- Native stack trace -----',
      ' 1: 0xb8ced1 node::OOMErrorHandler(char const*, v8::OOMDetails const&) [node]',
      ' 2: 0xf06ec0 v8::Utils::ReportOOMFailure(v8::internal::Isolate*, char const*) [node]',
    ].join('\n');
    assert.equal(
      describeCrash({ kind: 'exited', code: null, signal: 'SIGABRT' }, output),
      'The proxy was killed by SIGABRT. FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory.',
    );
  });

  it('keeps only the reason of a rejection that was not an Error', () => {
    const output = [
      'node:internal/process/promises:289',
      '            triggerUncaughtException(err, true /* fromPromise */);',
      '            ^',
      '',
      '[UnhandledPromiseRejection: This error originated either by throwing inside of an async function without a catch block, or by rejecting a promise which was not handled with .catch(). The promise rejected with the reason "lost the lock".] {',
      "  code: 'ERR_UNHANDLED_REJECTION'",
      '}',
    ].join('\n');
    assert.equal(lastErrorLine(output), 'Unhandled promise rejection: lost the lock.');
  });

  it('counts only what followed the listening line once the proxy served', () => {
    const startup = [
      'switchyard: The config file /tmp/config.json has a problem: Error: routes must be an object.',
      'switchyard: serving with presets only until the config file is fixed.',
    ].join('\n');
    assert.equal(describeCrash(killed, `${startup}\n${banner}`), 'The proxy was killed by SIGKILL; no error was printed.');
    // Before it listens, the startup messages are what there is.
    assert.equal(lastErrorLine(startup), 'The config file /tmp/config.json has a problem: Error: routes must be an object.');
  });

  it('cuts a long error at a word, and ends every sentence once', () => {
    const long = `Error: ${'upstream refused the connection again '.repeat(10)}`;
    const line = lastErrorLine(long)!;
    assert.ok(line.length <= 200, `${line.length} characters`);
    assert.match(line, /^Error: upstream refused the connection again upstream .*again…$/);
    assert.equal(lastErrorLine('Error: it stopped.\r\n'), 'Error: it stopped.');
    assert.equal(lastErrorLine('Error: why?'), 'Error: why?');
  });

  it('phrases a start that timed out and a proxy that stopped answering', () => {
    assert.equal(describeCrash({ kind: 'start-timeout', seconds: 20 }, ''), 'The proxy did not start listening within 20 s; no error was printed.');
    assert.equal(
      describeCrash({ kind: 'start-timeout', seconds: 20 }, 'switchyard: could not run the proxy: spawn /bin/code ENOENT\n'),
      'The proxy did not start listening within 20 s. Could not run the proxy: spawn /bin/code ENOENT.',
    );
    assert.equal(describeCrash({ kind: 'unresponsive', pid: 4242, port: 4141 }), 'The proxy (pid 4242) stopped answering on port 4141.');
    // Without its output (not started by this window), nothing is claimed about what it printed.
    assert.equal(describeCrash(killed), 'The proxy was killed by SIGKILL.');
  });

  it('builds the notification and the status detail from the same reason', () => {
    const reason = describeCrash(killed, banner);
    assert.equal(crashNotificationMessage({ reason, restarting: true }), 'Switchyard proxy crashed. The proxy was killed by SIGKILL; no error was printed. Restarting it…');
    assert.equal(crashStatusDetail(reason, 500), 'The proxy was killed by SIGKILL; no error was printed. Restarting in 0.5 s.');
    assert.equal(crashNotificationMessage({ reason, restarting: false }), 'Switchyard proxy crashed. The proxy was killed by SIGKILL; no error was printed. It crashed too often to restart by itself.');
    assert.match(crashStatusDetail(reason, undefined), /printed\. It crashed too often to restart by itself; fix the cause and run "Switchyard: Start Proxy"\.$/);
  });
});
