import { writeSync } from 'node:fs';

/** How long a log line waits at most before it is written. */
export const logFlushIntervalMs = 50;

/** A log sink that writes lines in batches; `flush` writes what waits, at once. */
export interface LogWriter {
  write(line: string): void;
  flush(): void;
}

/**
 * Log lines for a file descriptor (the CLI's stderr), written in batches off the request path.
 *
 * Each finished call writes a line, and stderr on a pipe or a file is a synchronous `write(2)`
 * in Node: in the benchmark a line cost 26–40 µs of the event loop, one system call per call.
 * Lines are kept in memory and written together at most `logFlushIntervalMs` later, one system
 * call for all the calls that ended meanwhile. None is lost when the process ends: `flush` runs
 * on `exit` (a clean stop, `process.exit`, an uncaught exception), and a line written by the
 * exit itself goes straight out. A SIGKILL loses at most the last interval's lines. A closed
 * pipe (the VS Code window that started the proxy is gone) drops the lines, as before.
 */
export function batchedLogWriter(fd: number, flushIntervalMs = logFlushIntervalMs): LogWriter {
  let waiting = '';
  let timer: NodeJS.Timeout | undefined;
  let exiting = false;
  const flush = (): void => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (waiting === '') return;
    const text = waiting;
    waiting = '';
    writeWhole(fd, text);
  };
  process.once('exit', () => {
    exiting = true;
    flush();
  });
  return {
    write(line) {
      waiting += line;
      if (exiting) flush();
      else timer ??= setTimeout(flush, flushIntervalMs).unref();
    },
    flush,
  };
}

/** Writes all of `text`, retrying short and would-block writes; a closed pipe drops it. */
function writeWhole(fd: number, text: string): void {
  let bytes = Buffer.from(text);
  for (let attempts = 0; bytes.length > 0 && attempts < 1000; attempts++) {
    try {
      bytes = bytes.subarray(writeSync(fd, bytes));
    } catch (error) {
      // A non-blocking pipe that is full: try again (bounded, so a stuck reader cannot hang us).
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      return;
    }
  }
}
