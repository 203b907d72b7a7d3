import { upstreamReplies } from './upstream-replies';
import { UsageTap } from '../proxy/passthrough/usage-tap';
import { SseParser } from '../proxy/sse/sse-parser';
for (const [path, api] of [['/v1/chat/completions', 'openai-chat'], ['/v1/messages', 'anthropic-messages']] as const) {
  const chunks = upstreamReplies[path]!.events;
  const n = 20000;
  const time = (label: string, run: () => unknown) => { for (let i = 0; i < n; i++) run(); const t = process.cpuUsage(); for (let i = 0; i < n; i++) run(); const c = process.cpuUsage(t); console.log(api, label, ((c.user + c.system) / n).toFixed(2), 'µs per stream'); };
  time('tap', () => { const tap = new UsageTap(api); for (const c of chunks) tap.push(c); return tap.end(); });
  time('parser', () => { const p = new SseParser(); let k = 0; for (const c of chunks) k += p.push(c).length; return k; });
  time('indexOf x3 on bytes', () => { let k = 0; for (const c of chunks) { k += c.indexOf('"usage":{'); k += c.indexOf('"finish_reason":"'); k += c.indexOf('"delta":{"'); } return k; });
}
