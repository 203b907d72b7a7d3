/**
 * Installs what the end-to-end tests need and cannot take from node_modules: code-server (a real
 * VS Code 1.100 served to a browser) from npm, into a cache folder outside the repository, and
 * checks for Debian's Chromium and ripgrep. Idempotent: a finished install is reused at once.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * code-server 4.100.3 ships VS Code 1.100.3 and is the newest release that installs on Node 20
 * (later ones need Node 22), which is why `engines.vscode` stays at ^1.100.0.
 */
export const codeServerVersion = '4.100.3';

/**
 * The @vscode/ripgrep release code-server 4.100.3 pins (lib/vscode/npm-shrinkwrap.json) and the
 * ripgrep-prebuilt tag its `lib/postinstall.js` downloads from GitHub. Its `lib/download.js`
 * first looks for `<os.tmpdir()>/vscode-ripgrep-cache-<package version>/ripgrep-<tag>-<target>.tar.gz`
 * and unpacks `rg` from it, so a tarball of Debian's rg there replaces the download.
 */
const ripgrepPackageVersion = '1.15.11';
const ripgrepTag = 'v13.0.0-10';
const ripgrepTarget = 'x86_64-unknown-linux-musl';

export const chromiumPath = '/usr/bin/chromium';
const ripgrepPath = '/usr/bin/rg';

/** A usable code-server install. */
export interface CodeServerInstall {
  /** The `code-server` launcher script. */
  binary: string;
  /** The folder holding this version's install (its node_modules, logs, the npm TMPDIR). */
  folder: string;
}

/** Where installs are cached: `$SWITCHYARD_E2E_CACHE` or `~/.cache/switchyard-e2e`. */
export function cacheRoot(): string {
  return process.env.SWITCHYARD_E2E_CACHE ?? path.join(os.homedir(), '.cache', 'switchyard-e2e');
}

/**
 * What the run needs from Debian: Chromium to drive the workbench, ripgrep for the tarball above,
 * and the GSS-API headers because VS Code's `kerberos` dependency builds from source when its
 * prebuilt binary cannot be downloaded from GitHub.
 */
export const systemPackages: ReadonlyArray<{ file: string; aptPackage: string }> = [
  { file: chromiumPath, aptPackage: 'chromium' },
  { file: ripgrepPath, aptPackage: 'ripgrep' },
  { file: '/usr/include/gssapi/gssapi.h', aptPackage: 'libkrb5-dev' },
];

/** Throws with the install command when a system package is missing. */
export function checkSystemPackages(): void {
  const missing = systemPackages.filter((entry) => !existsSync(entry.file));
  if (missing.length === 0) return;
  const files = missing.map((entry) => entry.file).join(' and ');
  const packages = missing.map((entry) => entry.aptPackage).join(' ');
  throw new Error(`The end-to-end tests need ${files}. Install with: sudo apt-get install -y ${packages}`);
}

/**
 * Installs code-server into the cache unless a finished install of this version is there, and
 * returns it. `log` receives progress lines for the person waiting.
 */
export async function installCodeServer(log: (line: string) => void = console.log): Promise<CodeServerInstall> {
  checkSystemPackages();
  const folder = path.join(cacheRoot(), `code-server-${codeServerVersion}`);
  const binary = path.join(folder, 'node_modules', '.bin', 'code-server');
  const marker = path.join(folder, 'installed.json');
  if (existsSync(binary) && (await readMarker(marker)) === codeServerVersion) return { binary, folder };

  log(`Installing code-server ${codeServerVersion} into ${folder} (about a minute, once)…`);
  const started = Date.now();
  // A half-finished install (interrupted, or an older attempt) is cheaper to redo than to trust.
  await rm(path.join(folder, 'node_modules'), { recursive: true, force: true });
  const temporaryFolder = path.join(folder, 'tmp');
  await placeRipgrepTarball(temporaryFolder);
  await writeFile(path.join(folder, 'package.json'), JSON.stringify({ private: true, description: 'switchyard e2e cache' }));

  const logFile = path.join(folder, 'install.log');
  const exitCode = await runLogged(
    'npm',
    ['install', '--no-save', '--no-audit', '--no-fund', '--no-package-lock', `code-server@${codeServerVersion}`],
    {
      cwd: folder,
      env: {
        ...process.env,
        // The ripgrep postinstall reads os.tmpdir(): point it at the folder holding the tarball.
        TMPDIR: temporaryFolder,
        // code-server's postinstall runs `npm` again (node-pty's build); let it answer prompts.
        npm_config_yes: 'true',
        // As root, code-server's postinstall refuses to run unless npm passes this along.
        npm_config_unsafe_perm: 'true',
      },
    },
    logFile,
  );
  if (exitCode !== 0 || !existsSync(binary)) {
    const tail = (await readFile(logFile, 'utf8')).split('\n').slice(-30).join('\n');
    throw new Error(`npm install code-server@${codeServerVersion} failed (exit ${exitCode}); see ${logFile}:\n${tail}`);
  }
  await writeFile(marker, JSON.stringify({ version: codeServerVersion, installedAt: new Date().toISOString() }));
  log(`Installed code-server in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return { binary, folder };
}

async function readMarker(marker: string): Promise<string | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(marker, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'version' in parsed && typeof parsed.version === 'string') return parsed.version;
  } catch {
    // No marker yet, or a broken one: install again.
  }
  return undefined;
}

async function placeRipgrepTarball(temporaryFolder: string): Promise<void> {
  const cacheFolder = path.join(temporaryFolder, `vscode-ripgrep-cache-${ripgrepPackageVersion}`);
  await mkdir(cacheFolder, { recursive: true });
  const tarball = path.join(cacheFolder, `ripgrep-${ripgrepTag}-${ripgrepTarget}.tar.gz`);
  // The postinstall unpacks with `tar xvf <file> -C bin` and expects `bin/rg`.
  const exitCode = await runLogged('tar', ['czf', tarball, '-C', path.dirname(ripgrepPath), path.basename(ripgrepPath)], {});
  if (exitCode !== 0) throw new Error(`could not pack ${ripgrepPath} into ${tarball}`);
}

function runLogged(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv },
  logFile?: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    if (logFile) {
      const out = createWriteStream(logFile);
      child.stdout.pipe(out, { end: false });
      child.stderr.pipe(out, { end: false });
      child.on('close', () => out.end());
    } else {
      child.stdout.resume();
      child.stderr.resume();
    }
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}
