import type { RequestRecord } from '../store/request-record';

/** Turns finished calls into OpenTelemetry spans and sends them in batches. */
export interface CallTracer {
  /** Where the spans go (the collector's traces URL). */
  readonly url: string;
  /** Queues the spans of one finished call: called with each record, after its response closed. */
  onRecord(record: RequestRecord): void;
  /** Sends what is queued and stops. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** A collector's base URL (`http://collector:4318`) or its traces URL (`…/v1/traces`). */
  endpoint: string;
  /** The resource's `service.name`. */
  serviceName: string;
  /** A provider's base URL, for the attempts' `server.address` and `server.port`. */
  serverAddress: (provider: string) => string | undefined;
  log: (message: string) => void;
}
