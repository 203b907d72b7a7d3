/**
 * Redaction's cost (issue 11), in process: a 50 KB Claude Code-shaped request with no findings,
 * parsed and scanned by every detector (the full path, taken only when the raw-byte prefilter
 * finds a candidate) against parsed only, the prefilter alone (what such a call pays now), and
 * the longest event-loop stall while a 5 MB prompt is scanned.
 *
 *   node --import tsx bench/redaction.ts
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { anthropicBody, sourceCode } from './payloads';
import { redactBody } from '../proxy/privacy/redact-body';
import { RawPrefilter } from '../proxy/privacy/raw-prefilter';
import { Scanner, detectorNames } from '../proxy/privacy/scanner';

const scanner = new Scanner({ detectors: [...detectorNames], custom: [], allow: [] });
const body = JSON.parse(anthropicBody('claude-sonnet-4-5', '80k', false)) as { messages: unknown[]; tools?: unknown[] };
while (JSON.stringify(body).length > 51_200 && body.messages.length > 1) body.messages.pop();
while (JSON.stringify(body).length > 51_200 && (body.tools?.length ?? 0) > 0) body.tools!.pop();
const raw = JSON.stringify(body);

async function measure(iterations: number, redact: boolean): Promise<{ p50: number; p95: number }> {
  const times: number[] = [];
  for (let index = 0; index < iterations; index += 1) {
    const started = performance.now();
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    if (redact) {
      const { found } = await redactBody(parsed as never, scanner);
      if (found.length > 0) throw new Error(`the bench prompt should have no findings, found ${found.map((finding) => finding.kind).join(', ')}`);
    }
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: times[iterations >> 1]!, p95: times[Math.floor(iterations * 0.95)]! };
}

async function main(): Promise<void> {
  await measure(300, true);
  await measure(300, false);
  const on = await measure(2000, true);
  const off = await measure(2000, false);
  console.log(`${raw.length} B prompt, no findings: redaction on p50 ${on.p50.toFixed(3)} ms, p95 ${on.p95.toFixed(3)} ms; parse only p50 ${off.p50.toFixed(3)} ms, p95 ${off.p95.toFixed(3)} ms`);
  console.log(`added: p50 ${(on.p50 - off.p50).toFixed(3)} ms, p95 ${(on.p95 - off.p95).toFixed(3)} ms`);
  // What a call with no findings pays since the prefilter: a look at the raw bytes, no parse.
  // Prose and a source file (digits, capitals, `=` and `:` make the prefilter look closer).
  const prefilter = new RawPrefilter([...detectorNames]);
  const sourceFile = JSON.stringify({ model: 'bench', messages: [{ role: 'tool', tool_call_id: 'call_1', content: sourceCode(50_000, 17) }] });
  for (const [name, text] of [['prose', raw], ['source code', sourceFile]] as const) {
    const bytes = Buffer.from(text);
    if (prefilter.mayFind(bytes)) throw new Error(`the prefilter should clear the ${name} prompt`);
    const times: number[] = [];
    for (let index = 0; index < 2300; index += 1) {
      const started = performance.now();
      prefilter.mayFind(bytes);
      if (index >= 300) times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    console.log(`raw-byte prefilter alone (what the proxy pays), ${bytes.length} B of ${name}: p50 ${times[times.length >> 1]!.toFixed(3)} ms, p95 ${times[Math.floor(times.length * 0.95)]!.toFixed(3)} ms`);
  }
  const text = raw.repeat(2).slice(0, 50_000);
  const big = { model: 'bench', messages: Array.from({ length: 100 }, () => ({ role: 'user', content: text })) };
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const started = performance.now();
  await redactBody(big, scanner);
  const total = performance.now() - started;
  histogram.disable();
  console.log(`5 MB prompt: scanned in ${total.toFixed(1)} ms, longest event-loop stall ${(histogram.max / 1e6).toFixed(1)} ms`);
  // The prefilter over 5 MB with nothing to find (letters and blanks only): in 256 KB slices.
  const clean = Buffer.from(JSON.stringify({ model: 'bench', messages: Array.from({ length: 100 }, () => ({ role: 'user', content: text.replace(/[^a-z ]/g, ' ') })) }));
  for (let warm = 0; warm < 3; warm += 1) await prefilter.mayFindYielding(clean);
  const cleanHistogram = monitorEventLoopDelay({ resolution: 1 });
  cleanHistogram.enable();
  const cleanStarted = performance.now();
  if (await prefilter.mayFindYielding(clean)) throw new Error('the clean 5 MB prompt should be cleared');
  const cleanTotal = performance.now() - cleanStarted;
  cleanHistogram.disable();
  console.log(`5 MB prompt with nothing to find: prefilter in ${cleanTotal.toFixed(1)} ms, longest event-loop stall ${(cleanHistogram.max / 1e6).toFixed(1)} ms`);
}

void main();
