import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

// Issue 8, part 8: the proxy's modules form layers without cycles. The order below is the one
// docs/architecture.md draws; change both together.

/**
 * The proxy's layers, lowest first. A file may import from its own layer or a lower one, never
 * from a higher one; a file that matches no layer fails, so a new folder is placed on purpose.
 * Globs are relative to the repository root: `*` stays inside one folder, `**` crosses folders.
 */
const layers: ReadonlyArray<readonly [name: string, globs: readonly string[]]> = [
  // The canonical model (request, stream parts, response, usage, errors) everything speaks, and the
  // build-time version string.
  ['core', ['proxy/core/**', 'proxy/version.ts']],
  // Wire types of the four APIs, shared by inbound and providers so neither imports the other.
  ['wire', ['proxy/wire/**']],
  // The user's configuration and its loader: plain data that every later layer reads.
  ['config', ['proxy/config/**']],
  // Leaf utilities with one job each: SSE parsing, token estimates, prices (which read a config
  // price override), and the node:http helpers (readBody, sendJson) that pipeline and control share.
  ['utilities', ['proxy/sse/**', 'proxy/tokens/**', 'proxy/cost/**', 'proxy/http/**', 'proxy/models/**']],
  // The codecs: wire ⇄ canonical for each client format and each provider; pure, no I/O.
  ['codecs', ['proxy/inbound/**', 'proxy/providers/**']],
  // Lookup by format/api over the codecs, and the usage tap that reads raw provider bytes.
  ['codec registry', ['proxy/codecs/**', 'proxy/passthrough/**']],
  // The HTTP client to providers (URLs and auth come from the adapters below it).
  ['upstream', ['proxy/upstream/**']],
  // Choosing candidates: rules, strategies, breaker, retries. Decides; never calls out itself.
  ['routing', ['proxy/routing/**']],
  // Storage ports (one interface a file) and the record shape; a record carries the routing decision.
  ['store ports', ['proxy/store/*.ts']],
  // Who is calling: the principal, looked up through the ports; policies read it.
  ['security', ['proxy/security/**']],
  // One call as the stages see it: the read-only request context, its outcome, and the seams'
  // interfaces (CallPolicy, AnswerObserver) that policies and observers implement.
  ['call', ['proxy/call/**']],
  // Seams the pipeline calls at admit/settle; they see ports and the principal, never the
  // pipeline (judge and shadow calls are made through a function the pipeline hands them).
  ['policies', ['proxy/policy/**', 'proxy/evaluation/**', 'proxy/cache/**', 'proxy/privacy/**', 'proxy/audit/**']],
  // Backends behind the ports; above the policies so no policy can reach past its port.
  ['store backends', ['proxy/store/sqlite/**', 'proxy/store/file/**', 'proxy/store/postgres/**', 'proxy/store/redis/**', 'proxy/store/team/**']],
  // The proxy's event bus: the pipeline announces records on it, the control API relays them.
  ['events', ['proxy/events/**']],
  // Metrics and traces: follow the records the recorder emits; the OpenTelemetry SDK is loaded
  // only by telemetry/otlp-tracing.ts, and only when an OTLP endpoint is configured.
  ['telemetry', ['proxy/telemetry/**']],
  // The stage list every upstream call passes, and the thin per-endpoint adapters onto it.
  ['pipeline', ['proxy/pipeline/**']],
  // The management API and event stream the extension talks to; it observes the pipeline.
  ['control', ['proxy/control/**']],
  // Entry points: the front door's middleware order, the CLI, the process.
  ['entry points', ['proxy/server.ts', 'proxy/create-proxy.ts', 'proxy/cli.ts', 'proxy/keys-command.ts', 'proxy/requests-command.ts', 'proxy/migrate-command.ts', 'proxy/config-command.ts', 'proxy/command-line.ts', 'proxy/main.ts', 'proxy/collector-settings.ts', 'proxy/webassembly-tiers.ts']],
];

/**
 * Whether `import type` / `export type` edges count. They do: a cycle through types is still two
 * modules that cannot be understood apart. Set to false to check only runtime edges.
 */
const countTypeOnlyImports = true;

const root = path.resolve(__dirname, '../../..');

interface Import {
  specifier: string;
  typeOnly: boolean;
}

/** Every .ts file under proxy/, as a repository-relative path with forward slashes. */
function proxyFiles(): string[] {
  return readdirSync(path.join(root, 'proxy'), { recursive: true, encoding: 'utf8' })
    .map((name) => `proxy/${name.split(path.sep).join('/')}`)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .sort();
}

/** Whether an import or re-export brings in types only (`import type {…}`, `import { type A }`). */
function isTypeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) {
    const clause = node.exportClause;
    return node.isTypeOnly || (clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((element) => element.isTypeOnly));
  }
  const clause = node.importClause;
  if (clause === undefined) return false; // `import './x'` runs the module
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return clause.name === undefined && bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((element) => element.isTypeOnly);
}

/**
 * The module specifiers of one file: imports, re-exports, `import()`, `require()`, `import('x').T`.
 * Read from the syntax tree rather than `ts.preProcessFile`, which cannot tell type-only imports.
 */
function importsOf(file: string): Import[] {
  const source = ts.createSourceFile(file, readFileSync(path.join(root, file), 'utf8'), ts.ScriptTarget.Latest);
  const found: Import[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: isTypeOnly(node) });
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0])) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) {
        found.push({ specifier: node.arguments[0].text, typeOnly: false });
      }
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** `./x` → `x.ts` or `x/index.ts` (a `.js` suffix names the `.ts` file); undefined when no file fits. */
function resolveRelative(from: string, specifier: string): string | undefined {
  const base = path.posix.join(path.posix.dirname(from), specifier);
  const candidates = [`${base}.ts`, `${base}/index.ts`, base.replace(/\.js$/, '.ts'), base];
  return candidates.find((candidate) => existsSync(path.join(root, candidate)) && statSync(path.join(root, candidate)).isFile());
}

function globToRegExp(glob: string): RegExp {
  const pattern = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*|\*/g, (star) => (star === '**' ? '.*' : '[^/]*'));
  return new RegExp(`^${pattern}$`);
}

const layerPatterns = layers.map(([, globs]) => globs.map(globToRegExp));

/** Indexes of the layers whose globs match the file (exactly one when the table is right). */
function layersOf(file: string): number[] {
  return layerPatterns.flatMap((layer, index) => (layer.some((pattern) => pattern.test(file)) ? [index] : []));
}

// The import graph, built once: file → the proxy/ files it imports.
const files = proxyFiles();
const graph = new Map<string, string[]>();
const unresolved: string[] = [];
for (const file of files) {
  const targets = new Set<string>();
  for (const { specifier, typeOnly } of importsOf(file)) {
    if (!specifier.startsWith('.') || (typeOnly && !countTypeOnlyImports)) continue;
    const target = resolveRelative(file, specifier);
    if (target === undefined) unresolved.push(`${file} imports '${specifier}', which is no file`);
    else if (target.startsWith('proxy/') && target.endsWith('.ts') && target !== file) targets.add(target);
  }
  graph.set(file, [...targets].sort());
}

/** Tarjan's algorithm: the strongly connected components of the graph (one file or a knot). */
function stronglyConnected(): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const components: string[][] = [];
  const connect = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.size - 1);
    stack.push(file);
    for (const target of graph.get(file)!) {
      if (!index.has(target)) connect(target);
      // A visited target still on the stack is part of this file's knot; one already popped is not.
      if (stack.includes(target)) low.set(file, Math.min(low.get(file)!, low.get(target)!));
    }
    if (low.get(file) === index.get(file)) components.push(stack.splice(stack.indexOf(file)).sort());
  };
  for (const file of files) if (!index.has(file)) connect(file);
  return components;
}

/** One shortest cycle through the component's first file, by breadth-first search inside it. */
function cycleIn(component: string[]): string[] {
  const start = component[0];
  const previous = new Map<string, string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const file = queue[head];
    for (const target of graph.get(file)!) {
      if (target === start) {
        const cycle = [file];
        while (cycle[0] !== start) cycle.unshift(previous.get(cycle[0])!);
        return [...cycle, start];
      }
      if (component.includes(target) && !previous.has(target)) {
        previous.set(target, file);
        queue.push(target);
      }
    }
  }
  return [start];
}

/** Fails with one problem a line, so the whole list reads as a to-do. */
function assertNone(title: string, problems: string[]): void {
  if (problems.length > 0) assert.fail(`${title}:\n  ${problems.join('\n  ')}`);
}

describe('proxy import layers', () => {
  it('resolves every relative import to a file', () => {
    assertNone('unresolved imports', unresolved);
  });

  it('has no import cycles', () => {
    const knots = stronglyConnected().filter((component) => component.length > 1);
    assertNone(
      'import cycles',
      knots.map((knot) => `${knot.length} files: ${knot.join(', ')}\n    cycle: ${cycleIn(knot).join(' → ')}`),
    );
  });

  it('places every file in exactly one layer', () => {
    assertNone(
      'unplaced files',
      files.flatMap((file) => {
        const found = layersOf(file);
        if (found.length === 0) return [`assign ${file} to a layer`];
        return found.length > 1 ? [`${file} matches layers ${found.map((index) => layers[index][0]).join(' and ')}`] : [];
      }),
    );
  });

  it('imports only from its own layer or lower ones', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      const [from] = layersOf(file);
      for (const target of targets) {
        const [to] = layersOf(target);
        if (from === undefined || to === undefined || to <= from) continue;
        upward.push(`${file} (layer ${layers[from][0]}) imports ${target} (layer ${layers[to][0]}, above)`);
      }
    }
    assertNone('upward imports', upward);
  });
});
