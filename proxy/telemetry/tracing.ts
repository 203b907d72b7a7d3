import type { CallTracer, TracingOptions } from './call-tracer';

/** The OTLP/HTTP traces URL for a configured endpoint: `/v1/traces` added to a base URL. */
export function tracesUrl(endpoint: string): string {
  const trimmed = endpoint.replace(/\/+$/, '');
  return trimmed.endsWith('/v1/traces') ? trimmed : `${trimmed}/v1/traces`;
}

/**
 * Starts tracing. The OpenTelemetry SDK and exporter are imported here, on demand: a proxy
 * without an OTLP endpoint never loads them (the bundle keeps them in a file of their own,
 * `dist/otlp-tracing.js`, so neither the solo proxy's start nor the extension grows).
 */
export async function startTracing(options: TracingOptions): Promise<CallTracer> {
  const { createOtlpTracer } = await import('./otlp-tracing');
  return createOtlpTracer({ ...options, url: tracesUrl(options.endpoint) });
}
