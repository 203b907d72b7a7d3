import { createContext, Script } from 'node:vm';

/**
 * Why a custom redaction pattern cannot be used, or undefined when it can: it must compile, must
 * not match the empty string (it would "find" something between every two characters), and must
 * stay fast on long adversarial input.
 *
 * Speed is tested, not guessed: the pattern runs over inputs built to make a backtracking engine
 * work hardest (long runs of each character the pattern names and of common classes, without
 * and with a breaking character at the end), in a V8 context with a time limit that interrupts a
 * runaway match. A pattern whose time grows faster than its input — `(a+)+$` exponentially,
 * `[A-Z]+-\d+` quadratically over a long run of capitals — exceeds the limit and is refused;
 * one with bounded repetitions (`[A-Z]{2,10}-\d{1,10}`) passes in microseconds. Static analysers
 * were tried and refused both kinds alike (docs/decisions.md, Privacy).
 */
export function patternProblem(pattern: string): string | undefined {
  let compiled: RegExp;
  try {
    compiled = new RegExp(pattern, 'g');
  } catch (error) {
    return `is not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`;
  }
  if (matchesEmpty(compiled)) return 'matches the empty string; make every part of it require at least one character (+ or {1,n} rather than * or ?).';
  if (!fastOnLongInput(pattern)) {
    return 'is too slow on long input (its time grows faster than the text, a ReDoS risk): bound its repetitions, e.g. [A-Z]{1,20} instead of [A-Z]+, and avoid nested or overlapping quantifiers.';
  }
  return undefined;
}

const emptySample = 'a A 0 _-.@:/\n\tz';

function matchesEmpty(pattern: RegExp): boolean {
  if (new RegExp(pattern.source).test('')) return true;
  for (const match of emptySample.matchAll(pattern)) if (match[0] === '') return true;
  return false;
}

/**
 * The longest one input may take. A linear pattern scans 20,000 characters in well under a
 * millisecond (a bounded `\w{1,64}` in about 5 ms); a quadratic one takes hundreds.
 */
const probeLimitMs = 50;
/**
 * The limit is wall time (V8's interrupt), so a busy machine can take a linear pattern past it:
 * `TCK-[0-9]{6}` was refused once at load 12. A runaway pattern runs out of time on every try,
 * a preempted one rarely twice in a row, so an input is judged slow only when all tries time out.
 */
const probeTries = 3;
const probeLength = 20_000;
const probe = new Script(`{ const pattern = new RegExp(source, 'g'); for (;;) { const match = pattern.exec(input); if (match === null) break; if (match[0] === '') pattern.lastIndex += 1; } }`);

function fastOnLongInput(pattern: string): boolean {
  const runs = new Set(['a', 'A', '0', ' ', '-', '_', '.', '@', '\n', 'aA0', 'a ', '0-', 'a@', 'A-', '\\', '"', 'x.']);
  // The characters the pattern itself names, each repeated: where its quantifiers overlap.
  for (const character of pattern.replace(/\\[dDwWsSbB]/g, '')) if (/[^\\()[\]{}?*+|^$]/.test(character)) runs.add(character);
  const sandbox = createContext({ input: '', source: pattern });
  for (const run of runs) {
    const body = run.repeat(Math.ceil(probeLength / run.length));
    for (const input of [body, `${body}!`, `${body}\u0000`]) {
      sandbox.input = input;
      if (!finishesInTime(() => probe.runInContext(sandbox, { timeout: probeLimitMs }))) return false;
    }
  }
  return true;
}

/** Whether one of `tries` runs of the probe ends before its time limit interrupts it (throws). */
export function finishesInTime(runProbe: () => void, tries = probeTries): boolean {
  for (let attempt = 0; attempt < tries; attempt += 1) {
    try {
      runProbe();
      return true;
    } catch {
      // Timed out: slow, or only preempted; try again.
    }
  }
  return false;
}
