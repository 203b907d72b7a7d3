import assert from 'node:assert/strict';
import { readTraceContext } from '../../../proxy/http/trace-context';

/** @see https://www.w3.org/TR/trace-context/#traceparent-header */
describe('readTraceContext (W3C traceparent)', () => {
  const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('takes a valid traceparent, with its tracestate', () => {
    assert.deepEqual(readTraceContext({ traceparent: valid, tracestate: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE' }), { traceParent: valid, traceState: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE' });
    assert.deepEqual(readTraceContext({ traceparent: valid }), { traceParent: valid });
    // A later version may carry more fields after the flags.
    assert.deepEqual(readTraceContext({ traceparent: `01${valid.slice(2)}-future` }), { traceParent: `01${valid.slice(2)}-future` });
  });

  it('ignores an invalid one, as the spec asks: the call then starts a trace of its own', () => {
    for (const traceparent of [
      valid.toUpperCase(),
      `ff${valid.slice(2)}`,
      `${valid}-extra`,
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
      'not a trace',
    ]) {
      assert.equal(readTraceContext({ traceparent }), undefined, traceparent);
    }
    assert.equal(readTraceContext({}), undefined);
  });

  it('drops a tracestate longer than the 512 characters the spec asks to keep', () => {
    assert.deepEqual(readTraceContext({ traceparent: valid, tracestate: `a=${'x'.repeat(600)}` }), { traceParent: valid });
  });
});
