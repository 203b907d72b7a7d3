import type { ClientFormat } from '../core/request';
import type { DecisionRecord } from '../routing/decision';

/** What Switchyard remembers about one call: the row in the request log and the live event. */
export interface RequestRecord {
  /** Switchyard's request id (`req_…`), also sent as `x-switchyard-request-id`. */
  id: string;
  /** When the request arrived, in milliseconds since the epoch. */
  time: number;
  clientFormat: ClientFormat;
  /** The inbound path, e.g. `/v1/messages`. */
  endpoint: string;
  /**
   * Which local access key the client used, by its id (`key_…`, from a hash of the key), when
   * keys are required. Records written before key ids existed hold `clientKey` instead.
   */
  keyId?: string;
  /** That key's label as the proxy knew it (`VS Code`, `--require-key`, `config key 2`). */
  keyLabel?: string;
  /** Old records only: the key's last four characters (`…abcd`), as recorded before key ids. */
  clientKey?: string;
  /**
   * The program that made the call, read from its user agent and headers (`Claude Code`,
   * `Codex CLI`, `OpenAI SDK (JS)`, `curl`…), and its version when it said. Kept in `extra`.
   */
  tool?: string;
  toolVersion?: string;
  /** The client's user agent, cut to 200 characters. Kept in `extra`. */
  userAgent?: string;
  /** Set on calls Switchyard made itself to judge a split route: `shadow` or `judge`. */
  purpose?: 'shadow' | 'judge';
  /** The served call a shadow or judge call was made for. */
  parentId?: string;
  /** The model name the client asked for. */
  requestedModel: string;
  /** The provider and model that served it, once routed. */
  provider?: string;
  model?: string;
  /** HTTP status sent to the client (for a stream cut midway, the status that was sent). */
  status: number;
  stream: boolean;
  /** True when the body went through untouched (client format = provider format). */
  passthrough: boolean;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  /** USD, or null when no price is known for the model. */
  costUsd: number | null;
  /** Milliseconds from arrival to the first response byte from upstream; null if none came. */
  timeToFirstTokenMs: number | null;
  /** Milliseconds from arrival to the last byte sent to the client. */
  latencyMs: number;
  /**
   * Milliseconds Switchyard itself spent up to the response head (arrival to head, less the
   * waits on the client's body and on upstream attempts): `x-switchyard-overhead-ms`. Kept in
   * `extra`; absent for calls Switchyard made itself.
   */
  overheadMs?: number;
  /**
   * Why the model stopped (`stop`, `end_turn`, `length`, `STOP`…): on translated calls as
   * decoded, on passthrough calls as the provider wrote it (read off the bytes relayed, like
   * usage). Kept in `extra`.
   */
  finishReason?: string;
  /**
   * The client's W3C `traceparent`, when it sent a valid one: the call's spans continue that
   * trace, and a record can be found from it. Kept in `extra`.
   */
  traceParent?: string;
  /** The client's `tracestate`, passed on to the call's spans with `traceParent`. Kept in `extra`. */
  traceState?: string;
  /** The kind of error (`rate_limit`, `budget_exceeded`…) when Switchyard itself refused the call before any attempt. Kept in `extra`. */
  refusal?: string;
  /** The error message the client was given, if the call failed. */
  error?: string;
  /** Where the router sent the call and why: rule, route, candidates, attempts, winner. */
  decision?: DecisionRecord;
  /**
   * The response cache's part: `hit` when a stored answer was served (nothing was called, the
   * cost is 0), `miss` when the cache was asked and the answer was fetched. Absent when off.
   */
  cache?: 'hit' | 'miss';
  /** USD the response cache saved: what the stored answer cost when it was first fetched. */
  savedUsd?: number;
  /** USD the provider's prompt cache saved: cache-read tokens at the input price less the cache-read price. */
  promptCacheSavedUsd?: number;
  /**
   * What redaction found, per detector (counts, never values); present only when it found
   * something. A call with redactions went out rewritten, not byte for byte, even on the
   * passthrough path (and its answer was re-encoded when placeholders were restored).
   */
  redactions?: Record<string, number>;
  /** Redaction refused the call (block mode). */
  redactionBlocked?: boolean;
  /** The budget check of a call some budget applied to (kept in `extra`). */
  budget?: BudgetCheck;
}

/** What budgets did to one call, over all its attempts. */
export interface BudgetCheck {
  /** USD reserved before the attempts went out (worst cases, summed over attempts). */
  reservedUsd: number;
  /** USD the attempts were settled to. */
  settledUsd: number;
  /** The budgets that applied, by name (`key:NAME` for a key's own budget). */
  budgets: string[];
  /** `warn` budgets the call crossed (served anyway). */
  warned?: string[];
  /** The budget that refused an attempt. */
  refusedBy?: string;
  /** Some attempt's model had no price: the configured per-call assumption was used. */
  assumedPrice?: boolean;
  /** Some attempt's usage was unknown after it answered: settled to its reservation. */
  settledToReservation?: boolean;
}
