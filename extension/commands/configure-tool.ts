import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { toolConnection } from '../tool-connection';
import type { SwitchyardCommand } from '../services';
import { claudeCodeSettings, codexConfig, isToolId, toolNames, toolSetup, tools, type ToolId } from '../tool-setup';

/** What the command did, for tests and the walkthrough. */
export interface ConfigureToolResult {
  tool: ToolId;
  /** The file written, when the user chose to (or asked with the `write` argument). */
  written?: string;
  /** The settings were shown in an editor. */
  shown: boolean;
}

/**
 * "Switchyard: Configure a Tool": Claude Code, Codex CLI, Continue or Cline, with the exact
 * settings for this proxy (port, local key). For Claude Code and Codex it offers to write the
 * tool's own config file (`~/.claude/settings.json`, merged; `~/.codex/config.toml`, a profile
 * appended); for every tool it can show the settings to copy. Arguments: the tool id
 * (`claude-code`, `codex`, `continue`, `cline`), then `write` or `show` to skip the question,
 * then the home folder to write into (tests).
 */
export const configureToolCommand: SwitchyardCommand = {
  id: 'switchyard.configureTool',
  async run(services, toolArgument?: unknown, modeArgument?: unknown, homeArgument?: unknown): Promise<ConfigureToolResult | undefined> {
    let tool: ToolId | undefined = isToolId(toolArgument) ? toolArgument : undefined;
    if (toolArgument !== undefined && tool === undefined) throw new Error(`switchyard.configureTool takes one of ${tools.join(', ')}.`);
    if (tool === undefined) {
      const picked = await vscode.window.showQuickPick(
        tools.map((id) => ({ label: toolNames[id], id })),
        { title: 'Switchyard: Configure a Tool', placeHolder: 'Which tool should go through Switchyard?' },
      );
      if (picked === undefined) return undefined;
      tool = picked.id;
    }
    const connection = await toolConnection(services.settings(), services.secrets);
    const localKey = connection.localKey;
    const setup = toolSetup(tool, connection);
    const home = typeof homeArgument === 'string' && homeArgument !== '' ? homeArgument : homedir();
    let mode = modeArgument === 'write' || modeArgument === 'show' ? modeArgument : undefined;
    if (mode === undefined && setup.file !== undefined) {
      const write = `Write ~/${setup.file}`;
      const choice = await vscode.window.showInformationMessage(
        `Set up ${toolNames[tool]} to go through ${connection.team === undefined ? `Switchyard on ${connection.baseUrl}` : `the team proxy ${connection.team}`}?`,
        { modal: true, detail: tool === 'claude-code' ? 'Adds ANTHROPIC_BASE_URL and the local key to "env" in ~/.claude/settings.json; other settings stay.' : 'Appends a "switchyard" provider and profile to ~/.codex/config.toml; your default stays. Run `codex --profile switchyard`.' },
        write,
        'Show the Settings',
      );
      if (choice === undefined) return undefined;
      mode = choice === write ? 'write' : 'show';
    }
    const result: ConfigureToolResult = { tool, shown: false };
    if (mode === 'write' && setup.file !== undefined) {
      const file = path.join(home, setup.file);
      const existing = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
      const text = tool === 'claude-code' ? claudeCodeSettings(existing, connection) : codexConfig(existing, connection);
      if (text !== undefined) {
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, text, { mode: 0o600 });
        services.log(`configured ${toolNames[tool]}: wrote ${file}`);
      }
      result.written = file;
      void vscode.window.showInformationMessage(
        tool === 'claude-code'
          ? `Claude Code now goes through Switchyard (${file}). Start \`claude\` and ask anything; the call shows in the panel.`
          : `Added the "switchyard" profile to ${file}. In a new VS Code terminal run \`codex --profile switchyard\` (Switchyard sets SWITCHYARD_API_KEY there); in other terminals export SWITCHYARD_API_KEY=<the local key> first.`,
      );
      if (tool === 'claude-code') return result;
    }
    if (tool === 'cline' && localKey !== undefined) {
      try {
        await vscode.env.clipboard.writeText(localKey);
      } catch {
        // The key is in the instructions too.
      }
    }
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: setup.instructions, language: 'markdown' }), { preview: true });
    result.shown = true;
    return result;
  },
};
