/**
 * Instructions per JavaScript function, from a callgrind dump of Node run with
 * `--perf-basic-prof`: callgrind names code it has no symbols for (everything V8 compiled) by
 * its address, and V8's perf map (`/tmp/perf-<pid>.map`: start, size, name per compiled
 * function) says which function lives there. The dump's names are rewritten to the functions'
 * (every tier of one function under one name) and `callgrind_annotate` totals them, self and
 * inclusive. Interpreted code shows as V8's bytecode handlers (`Builtins_…Handler`), not as
 * its function; after a warm-up the hot path is compiled.
 *
 * Inclusive counts follow callgrind's call detection, which V8's tail calls and stack switches
 * can mislead; trust self counts first, and inclusive ones for a function's own subtree.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

interface CompiledCode {
  start: number;
  end: number;
  name: string;
}

function readPerfMap(file: string): CompiledCode[] {
  const entries: CompiledCode[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (match === null) continue;
    const start = parseInt(match[1]!, 16);
    entries.push({ start, end: start + parseInt(match[2]!, 16), name: functionName(match[3]!) });
  }
  // Later entries win: V8 may reuse an address for new code after a collection.
  return entries.reverse().sort((a, b) => a.start - b.start);
}

/** `JS:*serveTracked /tmp/x/proxy.js:93235:25` → `serveTracked proxy.js:93235`, tiers merged. */
function functionName(perfName: string): string {
  const js = /^JS:[~^+*]?(\S*) (?:file:\/\/)?(.*?)(?::(\d+))?(?::\d+)?$/.exec(perfName);
  if (js === null) return perfName;
  const file = js[2]!.split('/').pop()!;
  return `${js[1] === '' ? '(anonymous)' : js[1]} ${file}${js[3] === undefined ? '' : `:${js[3]}`}`;
}

function lookup(code: readonly CompiledCode[], address: number): string | undefined {
  let low = 0;
  let high = code.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const entry = code[middle]!;
    if (address < entry.start) high = middle - 1;
    else if (address >= entry.end) low = middle + 1;
    else return entry.name;
  }
  return undefined;
}

/** Writes a copy of `dump` with JIT addresses named after V8's perf map; returns its path. */
export function nameCompiledFunctions(dump: string, perfMap: string): string {
  const code = readPerfMap(perfMap);
  const named = readFileSync(dump, 'utf8').replace(/^(c?fn=\(\d+\)) 0x([0-9a-f]+)$/gm, (line, head: string, address: string) => {
    const name = lookup(code, parseInt(address, 16));
    return name === undefined ? line : `${head} ${name}`;
  });
  const output = `${dump}.named`;
  writeFileSync(output, named);
  return output;
}

/**
 * The top `count` functions by instructions per call, self and inclusive, as printable lines.
 *
 * Inclusive counts leave out the calls a function seems to make into itself through V8's
 * baseline prologue (`Builtins_BaselineOutOfLinePrologue`): baseline code calls that builtin on
 * entry and callgrind sees the function entered again from it, so `callgrind_annotate` counted
 * such a function's subtree twice. The request log's `RecordInsert.insert` read ~127,000 a call
 * that way where its callers' arcs held ~63,000.
 */
export function topFunctions(namedDump: string, calls: number, count: number): string[] {
  const self = (): string[] => {
    const text = execFileSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', namedDump], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const lines: string[] = [];
    for (const line of text.split('\n')) {
      const match = annotatedLine.exec(line);
      if (match === null || match[3] === 'PROGRAM TOTALS') continue;
      lines.push(formatRow(Number(match[1]!.replace(/,/g, '')), calls, match[2]!, match[3]!));
      if (lines.length >= count) break;
    }
    return lines;
  };
  const inclusive = (): string[] => {
    const text = execFileSync('callgrind_annotate', ['--inclusive=yes', '--tree=caller', '--threshold=100', namedDump], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const rows: Array<{ name: string; instructions: number; percent: number }> = [];
    let fromCallers = 0;
    let fromElsewhere = false;
    for (const line of text.split('\n')) {
      const arc = /^\s*([\d,]+) \(\s*[\d.]+%\)\s+<\s+(?:\S*?:)?(.*?)(?: \(\d[\d,]*x\))?(?: \[[^\]]*\])?$/.exec(line);
      if (arc !== null) {
        if (!arc[2]!.startsWith('Builtins_BaselineOutOfLinePrologue')) {
          fromCallers += Number(arc[1]!.replace(/,/g, ''));
          fromElsewhere = true;
        }
        continue;
      }
      const total = /^\s*([\d,]+) \(\s*([\d.]+)%\)\s+\*\s+(?:\S*?:)?(.*?)(?: \[[^\]]*\])?$/.exec(line);
      if (total === null) continue;
      const name = total[3]!;
      const all = Number(total[1]!.replace(/,/g, ''));
      const instructions = fromElsewhere ? Math.min(all, fromCallers) : all;
      fromCallers = 0;
      fromElsewhere = false;
      // callgrind's recursion copies (`name'2`) and cycles over the event loop count callees twice.
      if (name.includes("'") || Number(total[2]) > 100) continue;
      rows.push({ name, instructions, percent: (Number(total[2]) * instructions) / Math.max(all, 1) });
    }
    rows.sort((a, b) => b.instructions - a.instructions);
    return rows.slice(0, count).map((row) => formatRow(row.instructions, calls, row.percent.toFixed(2), row.name));
  };
  return ['Self instructions per call, by function:', ...self(), '', 'Inclusive (callees counted):', ...inclusive()];
}

/** A line of `callgrind_annotate`'s flat listing: instructions, percent, function. */
const annotatedLine = /^\s*([\d,]+) \(\s*([\d.]+)%\)\s+(?:\S*?:)?(.*?)(?: \[[^\]]*\])?$/;

function formatRow(instructions: number, calls: number, percent: string, name: string): string {
  return `${Math.round(instructions / calls).toLocaleString('en-US').padStart(9)}  ${percent.padStart(5)} %  ${name}`;
}
