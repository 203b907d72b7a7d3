import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { summariseHeapSnapshot } from '../../../bench/heap-summary';

const nodeFields = ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'];
const nodeTypes = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic'];
const edgeTypes = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];

interface TestNode { type: string; name: string; size: number; edges: Array<{ type: string; name: string; to: number }> }

/** A snapshot file in V8's format holding `graph` (node 0 is the root). */
function writeSnapshot(graph: TestNode[]): string {
  const strings: string[] = [];
  const intern = (text: string): number => {
    const index = strings.indexOf(text);
    return index === -1 ? strings.push(text) - 1 : index;
  };
  const nodes = graph.flatMap((node, index) => [nodeTypes.indexOf(node.type), intern(node.name), index * 2 + 1, node.size, node.edges.length, 0, 0]);
  const edges = graph.flatMap((node) => node.edges.flatMap((edge) => [edgeTypes.indexOf(edge.type), intern(edge.name), edge.to * nodeFields.length]));
  const snapshot = {
    snapshot: { meta: { node_fields: nodeFields, node_types: [nodeTypes, 'string', 'number', 'number', 'number', 'number', 'number'], edge_fields: ['type', 'name_or_index', 'to_node'], edge_types: [edgeTypes, 'string_or_number', 'node'] }, node_count: graph.length, edge_count: edges.length / 3 },
    nodes,
    edges,
    strings,
  };
  const directory = mkdtempSync(path.join(os.tmpdir(), 'heap-summary-'));
  const file = path.join(directory, 'test.heapsnapshot');
  writeFileSync(file, JSON.stringify(snapshot));
  return file;
}

describe('bench heap summary', () => {
  it('charges an object with what only it keeps alive, weak edges left out, and lists the largest strings', () => {
    const file = writeSnapshot([
      { type: 'synthetic', name: '', size: 0, edges: [{ type: 'element', name: 'holder', to: 1 }, { type: 'element', name: 'other', to: 2 }] },
      { type: 'object', name: 'Holder', size: 100_000, edges: [{ type: 'property', name: 'items', to: 3 }, { type: 'property', name: 'text', to: 4 }] },
      // Reaches the array only weakly and the string strongly: the array stays the holder's alone.
      { type: 'object', name: 'Other', size: 10, edges: [{ type: 'weak', name: 'items', to: 3 }, { type: 'property', name: 'text', to: 4 }] },
      { type: 'array', name: '', size: 500_000, edges: [] },
      { type: 'string', name: 'shared text', size: 1_000_000, edges: [] },
    ]);
    try {
      const summary = summariseHeapSnapshot(file);
      assert.equal(summary.totalBytes, 1_600_010);
      const holder = summary.largestRetainers.find((item) => item.label.startsWith('object Holder'));
      assert.equal(holder?.bytes, 600_000);
      const text = summary.largestRetainers.find((item) => item.label.startsWith('string shared text'));
      assert.equal(text?.bytes, 1_000_000);
      assert.deepEqual(summary.largestStrings, [{ label: '"shared text"', bytes: 1_000_000 }]);
      assert.deepEqual(summary.byType.map((item) => [item.label, item.bytes]), [['string', 1_000_000], ['array', 500_000], ['object', 100_010], ['synthetic', 0]]);
    } finally {
      rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });
});
