/**
 * Reading a V8 heap snapshot (`.heapsnapshot`, as `--heapsnapshot-signal` or the inspector writes
 * it) into what holds the heap: self size by node type, the largest strings, and retained size
 * (the dominator tree, weak edges left out, as DevTools computes it) of the biggest holders, each
 * with the edge it is reached by. Used by bench/heap-snapshot.ts; runs alone as
 * `node --import tsx bench/heap-summary.ts <file.heapsnapshot>`.
 */
import { readFileSync } from 'node:fs';
import { runMain } from './run-main';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** One line of the summary: a label and its bytes. */
export interface HeapItem {
  label: string;
  bytes: number;
  count?: number;
}

export interface HeapSummary {
  totalBytes: number;
  byType: HeapItem[];
  byConstructor: HeapItem[];
  largestStrings: HeapItem[];
  largestRetainers: HeapItem[];
}

/** Summarises the snapshot in `file`; `top` lines a list. */
export function summariseHeapSnapshot(file: string, top = 25): HeapSummary {
  const data = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const { meta } = data.snapshot;
  const nodeFieldCount = meta.node_fields.length;
  const edgeFieldCount = meta.edge_fields.length;
  const typeOffset = meta.node_fields.indexOf('type');
  const nameOffset = meta.node_fields.indexOf('name');
  const sizeOffset = meta.node_fields.indexOf('self_size');
  const edgeCountOffset = meta.node_fields.indexOf('edge_count');
  const edgeTypeOffset = meta.edge_fields.indexOf('type');
  const edgeNameOffset = meta.edge_fields.indexOf('name_or_index');
  const edgeTargetOffset = meta.edge_fields.indexOf('to_node');
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const weak = edgeTypes.indexOf('weak');
  const { nodes, edges, strings } = data;
  const count = nodes.length / nodeFieldCount;

  const firstEdge = new Uint32Array(count + 1);
  for (let node = 0, edge = 0; node < count; node++) {
    firstEdge[node] = edge;
    edge += nodes[node * nodeFieldCount + edgeCountOffset]! * edgeFieldCount;
  }
  firstEdge[count] = edges.length;
  const selfSize = (node: number): number => nodes[node * nodeFieldCount + sizeOffset]!;
  const typeName = (node: number): string => nodeTypes[nodes[node * nodeFieldCount + typeOffset]!]!;
  const name = (node: number): string => strings[nodes[node * nodeFieldCount + nameOffset]!]!;

  // Reverse postorder from the root (node 0), weak edges left out.
  const order = new Int32Array(count).fill(-1);
  const postorder: number[] = [];
  const stack: number[] = [0];
  const cursor = new Uint32Array(count);
  const visited = new Uint8Array(count);
  visited[0] = 1;
  for (let node = 0; node < count; node++) cursor[node] = firstEdge[node]!;
  while (stack.length > 0) {
    const node = stack[stack.length - 1]!;
    if (cursor[node]! < firstEdge[node + 1]!) {
      const edge = cursor[node]!;
      cursor[node] = edge + edgeFieldCount;
      if (edges[edge + edgeTypeOffset] === weak) continue;
      const target = edges[edge + edgeTargetOffset]! / nodeFieldCount;
      if (visited[target] === 0) {
        visited[target] = 1;
        stack.push(target);
      }
    } else {
      stack.pop();
      order[node] = postorder.length;
      postorder.push(node);
    }
  }
  const predecessors: number[][] = Array.from({ length: count }, () => []);
  for (let node = 0; node < count; node++) {
    if (visited[node] === 0) continue;
    for (let edge = firstEdge[node]!; edge < firstEdge[node + 1]!; edge += edgeFieldCount) {
      if (edges[edge + edgeTypeOffset] === weak) continue;
      predecessors[edges[edge + edgeTargetOffset]! / nodeFieldCount]!.push(node);
    }
  }
  // Cooper, Harvey and Kennedy's iterative dominators.
  const dominator = new Int32Array(count).fill(-1);
  dominator[0] = 0;
  const intersect = (left: number, right: number): number => {
    while (left !== right) {
      while (order[left]! < order[right]!) left = dominator[left]!;
      while (order[right]! < order[left]!) right = dominator[right]!;
    }
    return left;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let index = postorder.length - 1; index >= 0; index--) {
      const node = postorder[index]!;
      if (node === 0) continue;
      let chosen = -1;
      for (const predecessor of predecessors[node]!) {
        if (dominator[predecessor] === -1) continue;
        chosen = chosen === -1 ? predecessor : intersect(predecessor, chosen);
      }
      if (chosen !== -1 && dominator[node] !== chosen) {
        dominator[node] = chosen;
        changed = true;
      }
    }
  }
  const retained = new Float64Array(count);
  for (const node of postorder) {
    retained[node]! += selfSize(node);
    if (node !== 0) retained[dominator[node]!]! += retained[node]!;
  }
  const edgeTo = (parent: number, node: number): string | undefined => {
    for (let edge = firstEdge[parent]!; edge < firstEdge[parent + 1]!; edge += edgeFieldCount) {
      if (edges[edge + edgeTargetOffset]! / nodeFieldCount !== node) continue;
      const edgeType = edgeTypes[edges[edge + edgeTypeOffset]!];
      return edgeType === 'element' || edgeType === 'hidden' ? `[${edges[edge + edgeNameOffset]}]` : strings[edges[edge + edgeNameOffset]!];
    }
    return undefined;
  };
  // How a node is held: the edge from its dominator when there is one, else a chain of up to
  // three first retainers (`Context.queue ← …`), enough to tell which module or object it is.
  const reachedBy = (node: number): string => {
    const parent = dominator[node]!;
    const direct = edgeTo(parent, node);
    if (direct !== undefined) return `${name(parent).slice(0, 40)}.${direct}`;
    const chain: string[] = [];
    for (let current = node, depth = 0; depth < 3 && current !== 0; depth++) {
      const retainer = predecessors[current]![0];
      if (retainer === undefined) break;
      chain.push(`${name(retainer).slice(0, 30) || typeName(retainer)}.${edgeTo(retainer, current) ?? '?'}`);
      current = retainer;
    }
    return chain.join(' ← ');
  };

  const byType = new Map<string, HeapItem>();
  const byConstructor = new Map<string, HeapItem>();
  const stringsFound: HeapItem[] = [];
  let totalBytes = 0;
  for (let node = 0; node < count; node++) {
    if (visited[node] === 0) continue;
    const size = selfSize(node);
    totalBytes += size;
    const type = typeName(node);
    const item = byType.get(type) ?? { label: type, bytes: 0, count: 0 };
    item.bytes += size;
    item.count! += 1;
    byType.set(type, item);
    const key = type === 'object' || type === 'closure' || type === 'native' ? `${type} ${name(node)}` : type === 'code' || type === 'hidden' || type === 'array' ? `${type} ${name(node).slice(0, 60)}` : type;
    const constructorItem = byConstructor.get(key) ?? { label: key, bytes: 0, count: 0 };
    constructorItem.bytes += size;
    constructorItem.count! += 1;
    byConstructor.set(key, constructorItem);
    if ((type === 'string' || type === 'concatenated string' || type === 'sliced string') && size >= 4096) {
      stringsFound.push({ label: JSON.stringify(name(node).slice(0, 70)), bytes: size });
    }
  }
  // The biggest holders that are not the root's synthetic groups: each retains ≥ 32 KB, and
  // a holder is listed only when no listed ancestor retains nearly all of it (within 10 %).
  const holders: HeapItem[] = [];
  const candidates = postorder.filter((node) => node !== 0 && retained[node]! >= 32_768 && typeName(node) !== 'synthetic');
  candidates.sort((left, right) => retained[right]! - retained[left]!);
  const listed = new Set<number>();
  for (const node of candidates) {
    let ancestor = dominator[node]!;
    let covered = false;
    while (ancestor !== 0) {
      if (listed.has(ancestor) && retained[node]! > retained[ancestor]! * 0.9) covered = true;
      ancestor = dominator[ancestor]!;
    }
    if (covered) continue;
    listed.add(node);
    holders.push({ label: `${typeName(node)} ${name(node).slice(0, 50)} (via ${reachedBy(node)})`, bytes: retained[node]! });
    if (holders.length >= top * 2) break;
  }
  const largest = (items: Iterable<HeapItem>): HeapItem[] => [...items].sort((left, right) => right.bytes - left.bytes).slice(0, top);
  return { totalBytes, byType: largest(byType.values()), byConstructor: largest(byConstructor.values()), largestStrings: largest(stringsFound), largestRetainers: holders };
}

/** The summary as text, sizes in KB. */
export function formatHeapSummary(summary: HeapSummary): string {
  const kilobytes = (bytes: number): string => (bytes / 1024).toFixed(0).padStart(7);
  const list = (title: string, items: HeapItem[]): string =>
    `${title}\n${items.map((item) => `${kilobytes(item.bytes)} KB${item.count === undefined ? '' : ` ${String(item.count).padStart(7)}×`}  ${item.label}`).join('\n')}\n`;
  return [
    `live heap in the snapshot: ${(summary.totalBytes / 1048576).toFixed(2)} MB\n`,
    list('by node type:', summary.byType),
    list('by constructor (objects, closures), name (code, arrays, hidden):', summary.byConstructor),
    list('largest strings:', summary.largestStrings),
    list('largest holders (retained):', summary.largestRetainers),
  ].join('\n');
}

if (require.main === module) {
  runMain(async () => {
    for (const file of process.argv.slice(2)) process.stdout.write(`${file}\n${formatHeapSummary(summariseHeapSnapshot(file))}\n`);
  });
}
