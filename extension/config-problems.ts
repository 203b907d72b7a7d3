import * as vscode from 'vscode';
import type { ConfigProblem } from '../proxy/control/protocol';

/**
 * Tells the user the config file has problems (the proxy keeps the last good config, or the
 * presets when none loaded), with the way to fix them: the panel's rules editor, or the file
 * itself, which VS Code checks against Switchyard's JSON schema.
 */
export async function showConfigProblems(file: string | undefined, problems: readonly ConfigProblem[], openPanel: () => Promise<void>): Promise<void> {
  if (problems.length === 0) return;
  const listed = problems
    .slice(0, 3)
    .map((problem) => (problem.path ? `${problem.path}: ${problem.message}` : problem.message))
    .join('; ');
  const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
  const actions = file === undefined ? ['Open Panel'] : ['Open Panel', 'Open Config File'];
  const choice = await vscode.window.showWarningMessage(`Switchyard's config file has problems, so the proxy does not use it yet: ${listed}${more}`, ...actions);
  if (choice === 'Open Panel') await openPanel();
  else if (choice === 'Open Config File' && file !== undefined) await vscode.window.showTextDocument(vscode.Uri.file(file));
}
