/**
 * `closed`: calls go through. `open`: the target failed too often and is skipped until its
 * cooldown ends. `half-open`: the cooldown is over and one probe call may find out whether the
 * target has recovered.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** The clock, in milliseconds; tests pass a fake one. */
  now?: () => number;
  /** Consecutive failures that open a closed circuit (default 5). */
  failureThreshold?: number;
  /** The first cooldown after opening (default 30 s); each failed probe doubles it. */
  cooldownMs?: number;
  /** The longest cooldown (default 5 min). */
  maximumCooldownMs?: number;
  /**
   * How long a probe may stay unanswered before another one may go (default 2 min), so that a
   * caller that claimed a probe and never reported back cannot keep a target out for good.
   */
  probeTimeoutMs?: number;
  /** Targets remembered at most; the least recently failed is forgotten first (default 1024). */
  maximumTargets?: number;
}

/** What is remembered about a target that has failed since its last success. */
interface Circuit {
  consecutiveFailures: number;
  /** When the open circuit turns half-open; undefined while closed. */
  openUntil: number | undefined;
  cooldownMs: number;
  /** When the half-open circuit let its probe through; undefined when none is out. */
  probeStartedAt: number | undefined;
}

/**
 * One circuit breaker per target (`provider/model`). A target opens after `failureThreshold`
 * consecutive failures and is skipped for a cooldown; then one probe at a time may go, and its
 * success closes the circuit while its failure opens it again for twice as long (up to the
 * maximum). Any success closes the circuit and forgets the target.
 *
 * Only failures that say something about the target's health should be recorded, the ones
 * `isRetryable` accepts; a 400 is the request's fault. Only failing targets are stored, in a
 * Map capped at `maximumTargets`.
 */
export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>();
  private readonly now: () => number;
  private readonly failureThreshold: number;
  private readonly cooldownMs: number;
  private readonly maximumCooldownMs: number;
  private readonly probeTimeoutMs: number;
  private readonly maximumTargets: number;

  constructor(options: CircuitBreakerOptions = {}) {
    this.now = options.now ?? Date.now;
    this.failureThreshold = Math.max(1, options.failureThreshold ?? 5);
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.maximumCooldownMs = Math.max(this.cooldownMs, options.maximumCooldownMs ?? 300_000);
    this.probeTimeoutMs = options.probeTimeoutMs ?? 120_000;
    this.maximumTargets = Math.max(1, options.maximumTargets ?? 1024);
  }

  state(target: string): CircuitState {
    const circuit = this.circuits.get(target);
    if (circuit === undefined || circuit.openUntil === undefined) return 'closed';
    return this.now() < circuit.openUntil ? 'open' : 'half-open';
  }

  /** The targets with a circuit (those failing lately), for the metrics' breaker gauge. */
  failingTargets(): IterableIterator<string> {
    return this.circuits.keys();
  }

  /** Milliseconds until an open circuit turns half-open, 0 when it is not open. */
  cooldownRemainingMs(target: string): number {
    const openUntil = this.circuits.get(target)?.openUntil;
    return openUntil === undefined ? 0 : Math.max(0, openUntil - this.now());
  }

  /**
   * Whether a call to the target may go now. A half-open circuit lets exactly one probe through:
   * the call that gets `true` holds it, and must report back with `recordSuccess`,
   * `recordFailure` or, when it ends up not calling the target, `releaseProbe`.
   */
  canAttempt(target: string): boolean {
    const circuit = this.circuits.get(target);
    if (circuit === undefined || circuit.openUntil === undefined) return true;
    const time = this.now();
    if (time < circuit.openUntil) return false;
    if (circuit.probeStartedAt !== undefined && time - circuit.probeStartedAt < this.probeTimeoutMs) return false;
    circuit.probeStartedAt = time;
    return true;
  }

  /** Gives back a probe `canAttempt` granted for a call that was never made or was cancelled. */
  releaseProbe(target: string): void {
    const circuit = this.circuits.get(target);
    if (circuit !== undefined) circuit.probeStartedAt = undefined;
  }

  /** The target answered: its circuit closes and its failures are forgotten. */
  recordSuccess(target: string): void {
    this.circuits.delete(target);
  }

  /** The target failed in a way that says it is unwell (a retryable failure). */
  recordFailure(target: string): void {
    const time = this.now();
    let circuit = this.circuits.get(target);
    if (circuit === undefined) {
      circuit = { consecutiveFailures: 0, openUntil: undefined, cooldownMs: this.cooldownMs, probeStartedAt: undefined };
      if (this.circuits.size >= this.maximumTargets) this.evictOldest();
    } else {
      // Re-inserted so the Map's order is the order of last failure.
      this.circuits.delete(target);
    }
    this.circuits.set(target, circuit);
    circuit.consecutiveFailures++;
    if (circuit.openUntil === undefined) {
      if (circuit.consecutiveFailures >= this.failureThreshold) circuit.openUntil = time + circuit.cooldownMs;
      return;
    }
    if (time < circuit.openUntil) return; // a call started before the circuit opened
    if (circuit.probeStartedAt !== undefined) {
      circuit.cooldownMs = Math.min(circuit.cooldownMs * 2, this.maximumCooldownMs);
      circuit.probeStartedAt = undefined;
    }
    // A failure while half-open with no probe out is a late call; it reopens without doubling.
    circuit.openUntil = time + circuit.cooldownMs;
  }

  private evictOldest(): void {
    const oldest = this.circuits.keys().next();
    if (oldest.done !== true) this.circuits.delete(oldest.value);
  }
}
