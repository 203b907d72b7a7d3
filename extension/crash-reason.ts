/**
 * The words a user reads when the proxy dies: in the crash notification and in the status
 * bar's and panel's status detail. Built from how the process ended and what it printed,
 * without VS Code, so that each rule below has a test.
 */

/** How a proxy this window was watching went away. */
export type ProxyEnding =
  | { kind: 'exited'; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'start-timeout'; seconds: number }
  | { kind: 'unresponsive'; pid: number | undefined; port: number };

/** Longer error lines are cut at a word: a notification is not the place for a whole stack. */
const maxErrorLength = 200;

/** The proxy's running log prefixes each line with the time (`2026-11-25T04:11:10.139Z …`). */
const timestamped = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z\s/;
/** What the proxy prints on stdout once it serves; anything before it belongs to an earlier phase. */
const listeningLine = 'Switchyard listening on';

/**
 * Lines of a crash report that say where, not what: JavaScript and native stack frames, the
 * source line and caret Node prints above an uncaught exception, V8's GC trace, the version
 * footer, and the braces of an inspected error object.
 */
const noise = [
  /^at\s/,
  /^\d+:\s+0x[0-9a-f]+/i,
  /^\^+$/,
  /^Node\.js v\d/,
  /^<---.*--->$/,
  /^-{3,}.*-{3,}$/,
  /^\[\d+:0x[0-9a-f]+\]/i,
  /^[{}[\]]+,?$/,
  /^(?:\/|[A-Za-z]:\\|node:).+:\d+$/,
];

/** The headline of an error: `TypeError: …`, `Error [ERR_X]: …`, V8's `FATAL ERROR: …`, an unhandled rejection. */
const errorHeadline = /^(?:Uncaught\s+)?(?:[A-Z][A-Za-z]*)?(?:Error|Exception)(?:\s\[[A-Z0-9_]+\])?:\s|^FATAL ERROR\b|^\[UnhandledPromiseRejection\b|^Uncaught\b/;
/** Words of a failure, for output that has no headline (`switchyard: cannot listen on …`). */
const failureWords = /\b(?:error|uncaught|unhandled|fatal|failed|cannot|could not|refusing|abort(?:ed)?|out of memory)\b/i;
/** A system error code: EADDRINUSE, ENOSPC, EACCES… */
const errnoCode = /\bE[A-Z]{3,}\b/;
/** Node's report of a rejection that was not an Error: the reason sits at the end of a long line. */
const rejectionReason = /^\[UnhandledPromiseRejection:.*rejected with the reason "(.*)"\.\].*$/;
/** The CLI's own last words before it gives up. */
const proxyPrefix = /^switchyard:\s+/;

/**
 * The line of the proxy's output that best says why it ended, or undefined when it printed no
 * error. Error headlines win over other lines with failure words; the last of each kind wins.
 *
 * Lines with a timestamp are the proxy's running log: it logs what it handled and carried on
 * with (a config saved, a request that failed), so such a line is not what ended it. What ends
 * a Node process — an uncaught exception, a fatal V8 error, the CLI's last words — is printed
 * without one. Once the proxy had printed that it is listening, only what followed counts.
 */
export function lastErrorLine(output: string): string | undefined {
  let lines = output.split(/\r?\n/);
  const listening = lines.findLastIndex((line) => line.startsWith(listeningLine));
  if (listening !== -1) lines = lines.slice(listening + 1);
  let headline: string | undefined;
  let other: string | undefined;
  for (const raw of lines) {
    if (timestamped.test(raw)) continue;
    const line = raw.trim().replace(proxyPrefix, '');
    if (line === '' || noise.some((pattern) => pattern.test(line))) continue;
    if (errorHeadline.test(line)) headline = line.replace(rejectionReason, 'Unhandled promise rejection: $1');
    else if (failureWords.test(line) || errnoCode.test(line)) other = line;
  }
  const found = headline ?? other;
  return found === undefined ? undefined : sentence(found);
}

/**
 * One or two sentences: how the proxy ended and, when it printed one, its error. `output` is
 * what the proxy printed (undefined when this window did not start it and cannot know).
 */
export function describeCrash(ending: ProxyEnding, output?: string): string {
  const error = output === undefined ? undefined : lastErrorLine(output);
  let how: string;
  switch (ending.kind) {
    case 'exited':
      how = ending.signal !== null ? `The proxy was killed by ${ending.signal}` : `The proxy exited with code ${ending.code ?? 'unknown'}`;
      break;
    case 'start-timeout':
      how = `The proxy did not start listening within ${ending.seconds} s`;
      break;
    case 'unresponsive':
      return `The proxy (pid ${ending.pid ?? 'unknown'}) stopped answering on port ${ending.port}.`;
  }
  if (error !== undefined) return `${how}. ${error}`;
  return output === undefined ? `${how}.` : `${how}; no error was printed.`;
}

/** The status bar's and panel's detail for a crashed proxy: the reason, then what happens next. */
export function crashStatusDetail(reason: string, restartInMs: number | undefined): string {
  if (restartInMs === undefined) return `${reason} It crashed too often to restart by itself; fix the cause and run "Switchyard: Start Proxy".`;
  return `${reason} Restarting in ${formatSeconds(restartInMs)}.`;
}

/** The crash notification's text; its buttons offer the log and, once it gave up, a start. */
export function crashNotificationMessage(crash: { reason: string; restarting: boolean }): string {
  return `Switchyard proxy crashed. ${crash.reason} ${crash.restarting ? 'Restarting it…' : 'It crashed too often to restart by itself.'}`;
}

/** Seconds as the user reads them: `0.5 s`, `4 s`. */
export function formatSeconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(milliseconds < 1000 ? 1 : 0)} s`;
}

/** Capitalised, cut at a word when too long, and ended with a full stop unless it has one. */
function sentence(text: string): string {
  let result = text.charAt(0).toUpperCase() + text.slice(1);
  if (result.length > maxErrorLength) {
    const cut = result.lastIndexOf(' ', maxErrorLength - 1);
    return `${result.slice(0, cut > maxErrorLength / 2 ? cut : maxErrorLength - 1).replace(/[\s,;:.]+$/, '')}…`;
  }
  if (!/[.!?…]$/.test(result)) result += '.';
  return result;
}
