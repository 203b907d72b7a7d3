/**
 * The OpenTelemetry half of tracing, loaded only when an OTLP endpoint is configured (see
 * `startTracing`). Spans are built from each call's record after its response closed, with
 * the times the record kept (arrival, each attempt's start and latency, the end), so nothing
 * runs on the request's path; a batch span processor sends them off it too.
 *
 * Attribute names follow the OpenTelemetry GenAI semantic conventions, taken from
 * `@opentelemetry/semantic-conventions` itself. No prompt or answer content is ever put on a
 * span.
 * @see https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/
 */
import { context, createTraceState, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_ERROR_TYPE, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT, ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS,
  GEN_AI_OPERATION_NAME_VALUE_GENERATE_CONTENT,
} from '@opentelemetry/semantic-conventions/incubating';
import type { RequestRecord } from '../store/request-record';
import type { AttemptDecision } from '../routing/decision';
import { version } from '../version';
import type { CallTracer, TracingOptions } from './call-tracer';

/**
 * Switchyard's provider ids as the conventions' `gen_ai.provider.name` values; an id not
 * listed (a custom OpenAI-compatible provider) is used as it is.
 */
const providerNames: Record<string, string> = {
  openai: 'openai',
  anthropic: 'anthropic',
  gemini: 'gcp.gemini',
  groq: 'groq',
  mistral: 'mistral_ai',
  xai: 'x_ai',
  deepseek: 'deepseek',
  perplexity: 'perplexity',
  cohere: 'cohere',
};

export function createOtlpTracer(options: TracingOptions & { url: string }): CallTracer {
  const exporter = new OTLPTraceExporter({ url: options.url });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName, [ATTR_SERVICE_VERSION]: version }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('switchyard', version);
  const servers = new Map<string, { address: string; port: number } | undefined>();
  const serverOf = (providerId: string): { address: string; port: number } | undefined => {
    if (servers.has(providerId)) return servers.get(providerId);
    const server = parseServer(options.serverAddress(providerId));
    servers.set(providerId, server);
    return server;
  };

  return {
    url: options.url,
    onRecord(record: RequestRecord): void {
      try {
        traceCall(record);
      } catch (error) {
        options.log(`tracing: the spans of ${record.id} could not be built: ${(error as Error)?.message ?? String(error)}`);
      }
    },
    shutdown: () => provider.shutdown(),
  };

  function traceCall(record: RequestRecord): void {
    const operation = operationName(record);
    const start = record.time;
    const end = record.time + record.latencyMs;
    const attributes: Attributes = {
      [ATTR_GEN_AI_OPERATION_NAME]: operation,
      [ATTR_GEN_AI_REQUEST_MODEL]: record.requestedModel,
      [ATTR_HTTP_RESPONSE_STATUS_CODE]: record.status,
      'switchyard.request.id': record.id,
      'switchyard.client.format': record.clientFormat,
      'switchyard.stream': record.stream,
      'switchyard.passthrough': record.passthrough,
    };
    if (record.provider !== undefined) attributes[ATTR_GEN_AI_PROVIDER_NAME] = providerNames[record.provider] ?? record.provider;
    if (record.model !== undefined && record.decision?.winner !== undefined) attributes[ATTR_GEN_AI_RESPONSE_MODEL] = record.model;
    if (record.finishReason !== undefined) attributes[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = [record.finishReason];
    if (record.inputTokens > 0 || record.outputTokens > 0) {
      attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = record.inputTokens;
      attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = record.outputTokens;
      if (record.cacheReadTokens > 0) attributes[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = record.cacheReadTokens;
      if (record.cacheWriteTokens > 0) attributes[ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] = record.cacheWriteTokens;
    }
    if (record.keyLabel !== undefined || record.keyId !== undefined) attributes['switchyard.key'] = record.keyLabel ?? record.keyId!;
    if (record.costUsd !== null) attributes['switchyard.cost_usd'] = record.costUsd;
    if (record.cache !== undefined) attributes['switchyard.cache'] = record.cache;
    if (record.overheadMs !== undefined) attributes['switchyard.overhead_ms'] = record.overheadMs;
    if (record.timeToFirstTokenMs !== null) attributes['switchyard.time_to_first_token_ms'] = record.timeToFirstTokenMs;
    if (record.decision?.route !== undefined) attributes['switchyard.route'] = record.decision.route;
    if (record.purpose !== undefined) attributes['switchyard.purpose'] = record.purpose;
    if (record.parentId !== undefined) attributes['switchyard.parent_request_id'] = record.parentId;
    const failed = record.status >= 400 || record.error !== undefined;
    if (failed) attributes[ATTR_ERROR_TYPE] = errorType(record.status, record.error);
    const name = record.requestedModel === '' ? operation : `${operation} ${record.requestedModel}`;
    const span = tracer.startSpan(name, { kind: SpanKind.SERVER, startTime: start, attributes }, clientContext(record));
    if (failed) span.setStatus({ code: SpanStatusCode.ERROR, message: record.error });
    const parent = trace.setSpan(context.active(), span);
    for (const attempt of record.decision?.attempts ?? []) traceAttempt(attempt, record, operation, parent, end);
    span.end(end);
  }

  function traceAttempt(attempt: AttemptDecision, record: RequestRecord, operation: string, parent: ReturnType<typeof trace.setSpan>, callEnd: number): void {
    const slash = attempt.target.indexOf('/');
    const providerId = slash === -1 ? attempt.target : attempt.target.slice(0, slash);
    const model = slash === -1 ? attempt.target : attempt.target.slice(slash + 1);
    const start = record.time + (attempt.startedMs ?? 0);
    // The winner's upstream call lasts until the answer was relayed, not only until its first chunk.
    const end = attempt.outcome === 'won' ? callEnd : start + attempt.latencyMs;
    const attributes: Attributes = {
      [ATTR_GEN_AI_OPERATION_NAME]: operation,
      [ATTR_GEN_AI_PROVIDER_NAME]: providerNames[providerId] ?? providerId,
      [ATTR_GEN_AI_REQUEST_MODEL]: model,
      'switchyard.attempt.outcome': attempt.outcome,
    };
    const server = serverOf(providerId);
    if (server !== undefined) {
      attributes[ATTR_SERVER_ADDRESS] = server.address;
      attributes[ATTR_SERVER_PORT] = server.port;
    }
    if (attempt.status !== null) attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = attempt.status;
    if (attempt.retryDelayMs !== undefined) attributes['switchyard.attempt.retry_delay_ms'] = attempt.retryDelayMs;
    if (attempt.outcome === 'won') {
      attributes[ATTR_GEN_AI_RESPONSE_MODEL] = model;
      if (record.finishReason !== undefined) attributes[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = [record.finishReason];
      if (record.inputTokens > 0 || record.outputTokens > 0) {
        attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = record.inputTokens;
        attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = record.outputTokens;
      }
    } else {
      attributes[ATTR_ERROR_TYPE] = attempt.outcome === 'cancelled' ? 'cancelled' : errorType(attempt.status ?? 0, attempt.error);
    }
    const span: Span = tracer.startSpan(`${operation} ${model}`, { kind: SpanKind.CLIENT, startTime: start, attributes }, parent);
    if (attempt.outcome === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: attempt.error });
    span.end(Math.max(start, end));
  }
}

/**
 * The client's trace, when its request carried a W3C `traceparent` (checked when recorded, see
 * `http/trace-context.ts`): the server span becomes a child of the client's span, in its trace,
 * with its `tracestate`. Otherwise the call starts a trace of its own.
 * @see https://www.w3.org/TR/trace-context/
 */
function clientContext(record: RequestRecord): Context | undefined {
  if (record.traceParent === undefined) return undefined;
  const [, traceId, spanId, flags] = record.traceParent.split('-');
  if (traceId === undefined || spanId === undefined || flags === undefined) return undefined;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16) & 0xff,
    isRemote: true,
    traceState: record.traceState === undefined ? undefined : createTraceState(record.traceState),
  });
}

/** The conventions' operation for the endpoint the client called. */
function operationName(record: RequestRecord): string {
  if (record.endpoint.endsWith('/embeddings')) return GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS;
  if (record.endpoint.endsWith('count_tokens') || record.endpoint.endsWith(':countTokens')) return 'count_tokens';
  if (record.clientFormat === 'gemini') return GEN_AI_OPERATION_NAME_VALUE_GENERATE_CONTENT;
  return GEN_AI_OPERATION_NAME_VALUE_CHAT;
}

/**
 * `error.type`, low-cardinality as the conventions ask: the HTTP status for an error answer,
 * `timeout` or `connection` for a provider that gave none, `stream_cut` for a stream that
 * ended badly after a 200.
 */
function errorType(status: number, message: string | undefined): string {
  if (status >= 400) return String(status);
  if (message !== undefined && /\bwithin \d+ ms\b/.test(message)) return 'timeout';
  if (status === 0) return 'connection';
  return 'stream_cut';
}

function parseServer(baseUrl: string | undefined): { address: string; port: number } | undefined {
  if (baseUrl === undefined || baseUrl === '') return undefined;
  try {
    const url = new URL(baseUrl);
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    return { address: url.hostname, port };
  } catch {
    return undefined;
  }
}
