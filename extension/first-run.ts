/**
 * Opens the "Get started with Switchyard" walkthrough the first time the extension runs for a
 * user, and never again by itself (it stays under Help → Welcome and in the Extensions view).
 * The way VS Code's own install flow and other extensions (GitLens, Teams Toolkit) do it: a flag
 * in `globalState`, set before opening so two windows starting together open it once, and
 * `workbench.action.openWalkthrough` with `<extension id>#<walkthrough id>`. VS Code opens an
 * extension's walkthrough itself when it is installed from the Extensions view; that setting
 * (`workbench.welcomePage.walkthroughs.openOnInstall`) off means the user does not want it, and
 * then neither does this. A VSIX installed from the command line or by a script gets no such
 * help from VS Code, which is why the extension opens it.
 */

/** The walkthrough's id in package.json (`contributes.walkthroughs`). */
export const walkthroughId = 'switchyard.firstSteps';

/** The `globalState` key that says the walkthrough was opened once already. */
export const walkthroughShownKey = 'switchyard.walkthroughShown';

/** What the decision needs, so it can be tested without VS Code. */
export interface FirstRunHost {
  /** `context.globalState` (synced across a user's windows and machines). */
  state: { get<T>(key: string): T | undefined; update(key: string, value: unknown): Thenable<void> };
  /** `workbench.welcomePage.walkthroughs.openOnInstall`. */
  openOnInstall: boolean;
  /**
   * Whether Switchyard was used here before this flag existed (the local key is in the keychain):
   * someone updating, not installing, is not greeted with the first steps.
   */
  usedBefore: () => Promise<boolean>;
  /** Opens the walkthrough beside nothing (not to the side). */
  open: () => Thenable<unknown>;
}

/** Resolves with whether it opened the walkthrough. */
export async function openWalkthroughOnFirstRun(host: FirstRunHost): Promise<boolean> {
  if (host.state.get<boolean>(walkthroughShownKey) === true) return false;
  await host.state.update(walkthroughShownKey, true);
  if (!host.openOnInstall) return false;
  if (await host.usedBefore()) return false;
  await host.open();
  return true;
}
