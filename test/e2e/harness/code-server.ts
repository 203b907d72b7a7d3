/**
 * One code-server instance: a real VS Code 1.100 workbench served on 127.0.0.1 with its own user
 * data, extensions folder and settings, so runs never touch the user's VS Code.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort, GiveUp, poll, startGroup, type GroupProcess } from './processes';

/** The folders and settings of one VS Code profile. */
export interface Profile {
  /** Root of everything this profile writes. */
  root: string;
  userDataDir: string;
  extensionsDir: string;
  /** An empty folder opened as the workspace. */
  workspaceDir: string;
  settingsFile: string;
}

/** Creates the profile's folders and writes its User/settings.json. */
export async function createProfile(root: string, settings: Record<string, unknown>): Promise<Profile> {
  const profile: Profile = {
    root,
    userDataDir: path.join(root, 'user-data'),
    extensionsDir: path.join(root, 'extensions'),
    workspaceDir: path.join(root, 'workspace'),
    settingsFile: path.join(root, 'user-data', 'User', 'settings.json'),
  };
  await mkdir(path.dirname(profile.settingsFile), { recursive: true });
  // code-server refuses to start with an --extensions-dir that does not exist.
  await mkdir(profile.extensionsDir, { recursive: true });
  await mkdir(profile.workspaceDir, { recursive: true });
  await writeSettings(profile, settings);
  return profile;
}

/** Writes User/settings.json: quiet defaults (no telemetry, tips or update checks) under `settings`. */
async function writeSettings(profile: Profile, settings: Record<string, unknown>): Promise<void> {
  const quiet = {
    'telemetry.telemetryLevel': 'off',
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'security.workspace.trust.enabled': false,
    'window.restoreWindows': 'none',
  };
  await writeFile(profile.settingsFile, JSON.stringify({ ...quiet, ...settings }, null, 2));
}

/** A running code-server. */
export interface CodeServer {
  port: number;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** The remote authority VS Code uses in `vscode-remote://` URIs. */
  authority: string;
  process: GroupProcess;
  stop(): Promise<void>;
}

function commonArguments(profile: Profile, configFile: string): string[] {
  return [
    '--config',
    configFile,
    '--user-data-dir',
    profile.userDataDir,
    '--extensions-dir',
    profile.extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
  ];
}

async function writeConfig(profile: Profile, port: number): Promise<string> {
  const configFile = path.join(profile.root, 'code-server.yaml');
  await writeFile(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  return configFile;
}

/** Installs a VSIX into the profile with `code-server --install-extension` and waits for it. */
export async function installExtension(binary: string, profile: Profile, vsix: string, logFile: string): Promise<void> {
  const configFile = await writeConfig(profile, 0);
  const installer = startGroup('code-server --install-extension', binary, [...commonArguments(profile, configFile), '--install-extension', vsix], {
    logFile,
  });
  const timer = setTimeout(() => void installer.stop(), 120_000);
  const exitCode = await installer.exited;
  clearTimeout(timer);
  // Right away, while its process group id cannot belong to anything else yet.
  await installer.stop();
  if (exitCode !== 0 || !/was successfully installed/.test(installer.output())) {
    throw new Error(`installing ${vsix} failed (exit ${exitCode}):\n${installer.output()}`);
  }
}

/** Starts code-server on a free port and waits until it answers `/healthz`. */
export async function startCodeServer(
  binary: string,
  profile: Profile,
  options: { logFile: string },
): Promise<CodeServer> {
  const port = await freePort();
  const configFile = await writeConfig(profile, port);
  const server = startGroup('code-server', binary, [...commonArguments(profile, configFile), '--log', 'info', profile.workspaceDir], {
    logFile: options.logFile,
  });
  const origin = `http://127.0.0.1:${port}`;
  await poll(
    'code-server to answer /healthz',
    async () => {
      if (server.child.exitCode !== null) throw new GiveUp(`code-server exited:\n${server.output()}`);
      const response = await fetch(`${origin}/healthz`);
      return response.ok ? true : undefined;
    },
    60_000,
  ).catch(async (error: unknown) => {
    await server.stop();
    throw error;
  });
  return { port, origin, authority: `127.0.0.1:${port}`, process: server, stop: () => server.stop() };
}
