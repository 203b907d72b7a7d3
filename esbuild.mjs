import { build, context } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const watch = process.argv.includes('--watch');
/** `--production` (used by `npm run package`): minified bundles, no source maps in the VSIX. */
const production = process.argv.includes('--production');
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

/**
 * Escapes every non-ASCII character left in the output (esbuild escapes them in code, not in
 * the comments it keeps). V8 holds a script's whole source in memory for lazy compilation, as
 * one byte a character only when every character fits in Latin-1: a single `…` in a comment
 * made dist/proxy.js's 4.7 MB a 9.4 MB two-byte string on the proxy's heap. Outside comments
 * esbuild has already escaped everything, so `\uXXXX` here only ever lands in comments.
 */
const asciiSource = {
  name: 'ascii-source',
  setup(build) {
    build.onEnd((result) => {
      if (result.errors.length > 0) return;
      const file = build.initialOptions.outfile;
      const text = readFileSync(file, 'utf8');
      const ascii = text.replace(/[^\x00-\x7f]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
      if (ascii !== text) writeFileSync(file, ascii);
    });
  },
};

/** What every Node bundle of the proxy shares: one self-contained CommonJS file for Node 20. */
const nodeBundle = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minifySyntax: true,
  logLevel: 'warning',
};

/** The proxy: one self-contained CommonJS file that VS Code's own Node runtime can run. */
const proxy = {
  ...nodeBundle,
  entryPoints: ['proxy/main.ts'],
  outfile: 'dist/proxy.js',
  define: { SWITCHYARD_VERSION: JSON.stringify(version) },
  // OpenTelemetry is loaded only when traces are configured: it stays out of dist/proxy.js
  // and is imported from a bundle of its own next to it.
  plugins: [
    asciiSource,
    {
      name: 'otlp-tracing-apart',
      setup(build) {
        build.onResolve({ filter: /^\.\/otlp-tracing$/ }, () => ({ path: './otlp-tracing.js', external: true }));
      },
    },
    {
      // The PostgreSQL and Redis clients are loaded only in team mode (and by the CLI's team
      // commands): bundles of their own beside dist/proxy.js, so a solo start neither parses
      // nor evaluates them, and test/integration/solo-start-modules.test.ts can see that.
      name: 'team-clients-apart',
      setup(build) {
        build.onResolve({ filter: /^(pg|ioredis)$/ }, (args) => ({ path: `./${args.path}.js`, external: true }));
      },
    },
  ],
};

/** `dist/pg.js` and `dist/ioredis.js`: each client library alone, as CommonJS. */
const teamClients = ['pg', 'ioredis'].map((name) => ({
  stdin: { contents: `module.exports = require('${name}');`, resolveDir: '.', sourcefile: `${name}-bundle.js`, loader: 'js' },
  ...nodeBundle,
  outfile: `dist/${name}.js`,
}));

/** The OpenTelemetry SDK and OTLP exporter, with Switchyard's span builder: dist/otlp-tracing.js. */
const tracing = {
  ...nodeBundle,
  entryPoints: ['proxy/telemetry/otlp-tracing.ts'],
  plugins: [asciiSource],
  outfile: 'dist/otlp-tracing.js',
  define: { SWITCHYARD_VERSION: JSON.stringify(version) },
};

/**
 * The SQLite writer thread's entry, `dist/sqlite-writer.js`: a worker the proxy starts beside
 * itself (proxy/store/sqlite/sqlite-writer.ts), with its own copy of node-sqlite3-wasm, which
 * loads the same `dist/node-sqlite3-wasm.wasm`.
 */
const sqliteWriter = {
  ...nodeBundle,
  entryPoints: ['proxy/store/sqlite/sqlite-writer-thread.ts'],
  plugins: [asciiSource],
  outfile: 'dist/sqlite-writer.js',
};

mkdirSync('dist', { recursive: true });
// node-sqlite3-wasm loads its .wasm from beside the script that requires it: the bundle.
copyFileSync('node_modules/node-sqlite3-wasm/dist/node-sqlite3-wasm.wasm', 'dist/node-sqlite3-wasm.wasm');
if (production) {
  // Source maps of an earlier development build must not end up in the VSIX.
  for (const file of readdirSync('dist')) if (file.endsWith('.map')) rmSync(`dist/${file}`);
}

const configs = [proxy, tracing, sqliteWriter, ...teamClients];
if (existsSync('extension/extension.ts')) {
  // The extension host: `vscode` is provided at run time. The panel's modules are imported
  // dynamically, so they are evaluated only when the panel first opens.
  configs.push({
    entryPoints: ['extension/extension.ts'],
    outfile: 'dist/extension.js',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode'],
    sourcemap: true,
    // When the bundle began and finished running, so activate() can log how long loading it took.
    banner: { js: 'var switchyardLoadStart = performance.now(), switchyardLoadEnd;' },
    footer: { js: 'switchyardLoadEnd = performance.now();' },
    logLevel: 'warning',
  });
}
if (existsSync('webview/main.ts')) {
  // The panel: one script and, from the CSS it imports, dist/webview.css. Codicons are copied
  // beside them because the webview may only load files under dist/ (localResourceRoots).
  configs.push({
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview.js',
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    minify: !watch,
    sourcemap: true,
    logLevel: 'warning',
  });
  mkdirSync('dist/codicons', { recursive: true });
  for (const file of ['codicon.css', 'codicon.ttf']) copyFileSync(`node_modules/@vscode/codicons/dist/${file}`, `dist/codicons/${file}`);
}

if (production) {
  for (const config of configs) Object.assign(config, { minify: true, sourcemap: false });
}

if (watch) {
  for (const config of configs) await (await context(config)).watch();
} else {
  await Promise.all(configs.map((config) => build(config)));
}
