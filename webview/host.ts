/**
 * The panel's only channel out: VS Code's webview API. `acquireVsCodeApi` may be called once,
 * so this module calls it and hands out typed wrappers.
 */
import type { WebviewMessage } from './protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

/** Sends a typed message to the extension host. */
export function postToHost(message: WebviewMessage): void {
  api.postMessage(message);
}

/** The state saved with {@link saveState}, or undefined on first open. */
export function loadState(): unknown {
  return api.getState();
}

/** Saves UI state; VS Code keeps it while the panel is hidden and across reloads. */
export function saveState(state: unknown): void {
  api.setState(state);
}
