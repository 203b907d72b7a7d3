/**
 * Placeholders and the values they stand for, kept in memory only.
 *
 * A **scope** is one caller: the principal's key id, or `local` when the proxy needs no key.
 * Within a scope a value always gets the same placeholder (`<EMAIL_1>` is the same address on
 * every turn of every conversation), so a provider's prompt cache keeps hitting and a Responses
 * conversation continued with `previous_response_id` (whose earlier turns only the provider
 * holds) still means the same thing by `<EMAIL_1>`. A scope is bounded: it forgets its least
 * recently used values past {@link ScopeLimits.maxValues}, and whole scopes are dropped after
 * {@link ScopeLimits.idleMs} without a call. Numbers are never reused within a scope, so a
 * forgotten value that comes back gets a new number rather than someone else's.
 */
export interface ScopeLimits {
  maxValues: number;
  maxScopes: number;
  idleMs: number;
}

export const defaultScopeLimits: ScopeLimits = { maxValues: 20_000, maxScopes: 1_000, idleMs: 12 * 60 * 60 * 1000 };

export class PlaceholderScope {
  private readonly byValue = new Map<string, string>();
  private readonly byPlaceholder = new Map<string, string>();
  private readonly counters = new Map<string, number>();
  usedAt = 0;

  constructor(private readonly maxValues: number) {}

  /**
   * The value's placeholder, made on first sight. `taken` says whether a candidate already
   * occurs in the caller's own text, where it would be ambiguous: such numbers are skipped.
   */
  placeholderFor(kind: string, value: string, taken: (placeholder: string) => boolean): string {
    const key = `${kind}\u0000${value}`;
    const known = this.byValue.get(key);
    if (known !== undefined) {
      // Most recently used last: Map keeps insertion order, so eviction takes the first.
      this.byValue.delete(key);
      this.byValue.set(key, known);
      return known;
    }
    let number = this.counters.get(kind) ?? 0;
    let placeholder: string;
    do {
      number += 1;
      placeholder = `<${kind}_${number}>`;
    } while (taken(placeholder));
    this.counters.set(kind, number);
    this.byValue.set(key, placeholder);
    this.byPlaceholder.set(placeholder, value);
    if (this.byValue.size > this.maxValues) {
      const [oldestKey, oldest] = this.byValue.entries().next().value as [string, string];
      this.byValue.delete(oldestKey);
      this.byPlaceholder.delete(oldest);
    }
    return placeholder;
  }

  /** The value a placeholder stands for, if this scope made it. */
  original(placeholder: string): string | undefined {
    return this.byPlaceholder.get(placeholder);
  }

  get size(): number {
    return this.byValue.size;
  }
}

/** Every scope of one proxy process; never written anywhere. */
export class PlaceholderVault {
  private readonly scopes = new Map<string, PlaceholderScope>();

  constructor(
    private readonly limits: ScopeLimits = defaultScopeLimits,
    private readonly now: () => number = Date.now,
  ) {}

  scope(id: string): PlaceholderScope {
    const now = this.now();
    let scope = this.scopes.get(id);
    if (scope !== undefined && now - scope.usedAt > this.limits.idleMs) {
      this.scopes.delete(id);
      scope = undefined;
    }
    if (scope === undefined) {
      scope = new PlaceholderScope(this.limits.maxValues);
      this.dropIdle(now);
    } else {
      this.scopes.delete(id);
    }
    scope.usedAt = now;
    this.scopes.set(id, scope);
    return scope;
  }

  private dropIdle(now: number): void {
    for (const [id, scope] of this.scopes) {
      if (this.scopes.size < this.limits.maxScopes && now - scope.usedAt <= this.limits.idleMs) break;
      this.scopes.delete(id);
    }
  }
}

/** The longest placeholder restoration looks for: `<` + a type of up to 40 + `_` + digits + `>`. */
export const maxPlaceholderLength = 56;
export const placeholderPattern = /<([A-Z][A-Z0-9_]{0,40})_(\d{1,9})>/g;
