/** Starting the built Switchyard for the benchmark, against the fake upstream. */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startChildService, type ChildService } from './child-service';
import { benchRoutes, benchRules } from './routing-config';

const root = path.resolve(__dirname, '..');
/** Lets the routing check read request records from Switchyard's control API. */
export const controlToken = 'bench-control-token-0000';

/**
 * Starts the built Switchyard, or returns undefined when there is no build yet. `entry` runs
 * another build instead (a copy of dist/ holding proxy.js, for an A/B of two builds).
 */
export async function startSwitchyard(
  upstream: string,
  workDirectory: string,
  profileDirectory = process.env.BENCH_PROFILE,
  entry = path.join(root, 'bin', 'switchyard.js'),
  name = 'switchyard',
): Promise<ChildService | undefined> {
  if (process.env.BENCH_STAND_IN === '1' || !existsSync(entry) || (entry.endsWith('switchyard.js') && !existsSync(path.join(root, 'dist', 'proxy.js')))) {
    return undefined;
  }
  const configPath = path.join(workDirectory, `${name}.json`);
  writeFileSync(
    configPath,
    JSON.stringify({
      providers: {
        openai: { baseUrl: `${upstream}/v1` },
        anthropic: { baseUrl: upstream },
        fakecompat: { type: 'openai-compatible', baseUrl: `${upstream}/v1`, apiKeyEnv: 'FAKECOMPAT_API_KEY' },
      },
      // Every case runs with them: unrouted requests miss all 51 rules, as they would in a
      // real config of that size.
      routes: benchRoutes(),
      rules: benchRules(),
    }),
  );
  const nodeOptions = profileDirectory === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDirectory)}`];
  return startChildService(name, process.execPath, [...nodeOptions, entry, 'serve', '--port', '0', '--config', configPath], {
    ...process.env,
    OPENAI_API_KEY: 'sk-bench-openai-0000',
    ANTHROPIC_API_KEY: 'sk-ant-bench-0000',
    FAKECOMPAT_API_KEY: 'sk-bench-compat-0000',
    SWITCHYARD_DATA_DIR: path.join(workDirectory, `${name}-data`),
    SWITCHYARD_CONTROL_TOKEN: controlToken,
  });
}

