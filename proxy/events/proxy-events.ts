import type { Judgement } from '../evaluation/split-judge';
import type { RequestRecord } from '../store/request-record';
import type { ConfigProblem } from '../config/config-problem';
import type { DoorRefusalNotice } from '../security/door-refusals';

/** A line of the proxy log (`event: log`), also written to stderr. Never holds a key. */
export interface LogLine {
  time: number;
  message: string;
}

/** `event: config`: the config file was reloaded (ok) or rejected (the last good one stays). */
export interface ConfigReloaded {
  ok: boolean;
  file: string;
  problems: ConfigProblem[];
}

/** `event: budget`: a budget refused a call; sent once per budget and period. */
export interface BudgetBlocked {
  /** The budget's name (`key:NAME` for a key's own budget). */
  budget: string;
  limitUsd: number;
  /** Spent and reserved when it refused. */
  spentUsd: number;
  period: string;
  /** ISO time the spend starts again; absent for period total. */
  resetsAt?: string;
}

/** Event name → payload of everything the proxy announces. */
export interface ProxyEventMap {
  /** A call finished (successfully or not) and its record is final. */
  request: RequestRecord;
  /** A split route's judge compared the served answer with the other arm's. */
  judgement: Judgement;
  /** A line of the proxy log. */
  log: LogLine;
  /** The config file was reloaded or rejected, or a config was saved over the control API. */
  config: ConfigReloaded;
  /** A budget refused a call (once per budget and period). */
  budget: BudgetBlocked;
  /** Calls were refused at the front door (no or wrong local key…): throttled, one kind per notice. */
  refusals: DoorRefusalNotice;
  /**
   * The accepted keys may have changed (a config put in force, a named key created, changed or
   * revoked here or in another process): open streams of an access key check it is still
   * accepted. Not sent to clients.
   */
  principals: undefined;
  /** The proxy is stopping: long-lived streams end so that the server can close. Not sent to clients. */
  stopping: undefined;
}

export type ProxyEventListener<Type extends keyof ProxyEventMap> = (payload: ProxyEventMap[Type]) => void;

/**
 * A tiny typed emitter for the proxy's events. Emitting with nobody listening costs one map
 * lookup, so the request path can always emit. A listener that throws is reported, never
 * allowed to break the request that emitted or the other listeners.
 */
export class ProxyEvents {
  private readonly listeners = new Map<keyof ProxyEventMap, Set<ProxyEventListener<keyof ProxyEventMap>>>();
  private readonly onListenerError: (error: unknown) => void;

  constructor(onListenerError: (error: unknown) => void = (error) => console.error('switchyard: event listener failed:', error)) {
    this.onListenerError = onListenerError;
  }

  /** Subscribes; the returned function unsubscribes (calling it twice is harmless). */
  on<Type extends keyof ProxyEventMap>(type: Type, listener: ProxyEventListener<Type>): () => void {
    let set = this.listeners.get(type);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(type, set);
    }
    // Every listener in a set shares the event type that keys it.
    const stored = listener as ProxyEventListener<keyof ProxyEventMap>;
    set.add(stored);
    return () => {
      set.delete(stored);
    };
  }

  emit<Type extends keyof ProxyEventMap>(type: Type, payload: ProxyEventMap[Type]): void {
    const set = this.listeners.get(type);
    if (set === undefined || set.size === 0) return;
    for (const listener of set) {
      try {
        listener(payload);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  listenerCount(type: keyof ProxyEventMap): number {
    return this.listeners.get(type)?.size ?? 0;
  }
}
