/**
 * A typed event with any number of listeners, free of the `vscode` module so that the proxy
 * manager runs in plain Node tests too. A listener that throws is isolated from the others.
 */
export class Signal<Value> {
  private readonly listeners = new Set<(value: Value) => void>();

  /** Subscribes; the returned object's `dispose` unsubscribes (it fits `context.subscriptions`). */
  on(listener: (value: Value) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  fire(value: Value): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        console.error('switchyard: listener failed:', error);
      }
    }
  }
}
