/** Byte-level reading of one SSE line, shared by the full parser and the event selector. */

const colon = 0x3a;
const space = 0x20;

/** The two fields an event's readers use, as bytes to compare a line's start with. */
export const dataField = Buffer.from('data');
export const eventField = Buffer.from('event');

/**
 * Whether the line `[start, end)` is the field `field`: its name, then a colon or the line's end
 * (a line without a colon is a field with an empty value). A comment (`:` first) matches none.
 */
export function fieldIs(buffer: Buffer, start: number, end: number, field: Buffer): boolean {
  const length = field.length;
  if (end - start < length) return false;
  for (let at = 0; at < length; at++) if (buffer[start + at] !== field[at]) return false;
  return end - start === length || buffer[start + length] === colon;
}

/** Where a field's value starts: after the colon and one space, if there is one. */
export function valueStart(buffer: Buffer, afterName: number, end: number): number {
  if (afterName === end) return end;
  const afterColon = afterName + 1;
  return afterColon < end && buffer[afterColon] === space ? afterColon + 1 : afterColon;
}
