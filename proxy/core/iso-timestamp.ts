/**
 * `new Date(time).toISOString()` for times that mostly fall in the same second: the log writes
 * a timestamped line for every call, and V8 formats a date through `snprintf` — ~7,000
 * instructions a line under callgrind (bench/instructions.ts), more than the rest of the line.
 * Within one second only the milliseconds change, so the text up to the seconds is kept and
 * the three digits are put after it. Anything odd (not a finite time after 1970) is formatted
 * by the Date as before.
 */
export class IsoTimestamps {
  /** The whole second (ms since the epoch ÷ 1000) whose text is kept. */
  private second = -1;
  /** `YYYY-MM-DDTHH:MM:SS.` of that second. */
  private prefix = '';

  format(time: number): string {
    if (!(time >= 0) || !Number.isFinite(time)) return new Date(time).toISOString();
    // A Date's time value drops the fraction of a millisecond (TimeClip), as here.
    const milliseconds = Math.trunc(time);
    const second = Math.floor(milliseconds / 1000);
    if (second !== this.second) {
      const text = new Date(milliseconds).toISOString();
      // Years past 9999 are written with a sign and six digits: not worth keeping.
      if (text.length !== 24) return text;
      this.second = second;
      this.prefix = text.slice(0, 20);
    }
    const fraction = milliseconds - second * 1000;
    return `${this.prefix}${fraction < 10 ? '00' : fraction < 100 ? '0' : ''}${fraction}Z`;
  }
}
