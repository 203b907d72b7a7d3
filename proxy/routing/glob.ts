/** Characters with a meaning in a regular expression, escaped when a glob needs one. */
const regexSpecials = /[.*+?^${}()|[\]\\/]/g;

/**
 * Compiles a glob from a routing rule into a test: `*` matches any run of characters (none
 * included), `?` exactly one character, and everything else itself, case-sensitively
 * (`gpt-4.1` matches only `gpt-4.1`, not `gpt-4x1`).
 *
 * Rules are tested on every request, so the common shapes avoid regular expressions: an
 * exact name is one `===`, `claude-*` a `startsWith`, `*-mini` an `endsWith`, and any pattern
 * with only `*` a walk with `indexOf`. Only a pattern with `?` compiles to a regular
 * expression, behind a `startsWith` check of its literal head so most misses never reach it.
 */
export function compileGlob(pattern: string): (value: string) => boolean {
  if (pattern.includes('?')) return compileWithQuestionMarks(pattern);
  const star = pattern.indexOf('*');
  if (star === -1) return (value) => value === pattern;
  const segments = pattern.split('*');
  const head = segments[0]!;
  const tail = segments[segments.length - 1]!;
  if (segments.length === 2) {
    if (head === '' && tail === '') return () => true;
    if (tail === '') return (value) => value.startsWith(head);
    if (head === '') return (value) => value.endsWith(tail);
    const shortest = head.length + tail.length;
    return (value) => value.length >= shortest && value.startsWith(head) && value.endsWith(tail);
  }
  return compileStarsOnly(segments);
}

/**
 * Two or more `*`: the head must start the value and the tail end it; each middle segment is
 * found left to right after the previous one. Taking the leftmost place of each segment never
 * rules out a match a later place would allow, because the `*` after it can absorb the rest.
 */
function compileStarsOnly(segments: string[]): (value: string) => boolean {
  const head = segments[0]!;
  const tail = segments[segments.length - 1]!;
  const middle = segments.slice(1, -1).filter((segment) => segment !== '');
  let shortest = head.length + tail.length;
  for (const segment of middle) shortest += segment.length;
  return (value) => {
    if (value.length < shortest || !value.startsWith(head) || !value.endsWith(tail)) return false;
    let position = head.length;
    const end = value.length - tail.length;
    for (const segment of middle) {
      const found = value.indexOf(segment, position);
      if (found === -1 || found + segment.length > end) return false;
      position = found + segment.length;
    }
    return true;
  };
}

function compileWithQuestionMarks(pattern: string): (value: string) => boolean {
  let source = '^';
  let head = '';
  let inHead = true;
  for (const character of pattern) {
    if (character === '*') {
      source += '.*';
      inHead = false;
    } else if (character === '?') {
      source += '.';
      inHead = false;
    } else {
      source += character.replace(regexSpecials, '\\$&');
      if (inHead) head += character;
    }
  }
  // `s`: a wildcard also matches a line break; `u`: `?` is one character, even outside the BMP.
  const expression = new RegExp(`${source}$`, 'su');
  if (head === '') return (value) => expression.test(value);
  return (value) => value.startsWith(head) && expression.test(value);
}
