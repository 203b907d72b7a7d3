import assert from 'node:assert/strict';
import { freshResponseId, recycleReplayBytes, replayBytes, wireReplay } from '../../../proxy/cache/wire-answer';
import type { WireAnswer } from '../../../proxy/cache/cached-answer';

describe('wire replay', () => {
  const id = 'chatcmpl-AbCdEfGhIjKlMnOpQrStUvWxYz012';
  const chunk = (delta: string): string => `data: {"id":"${id}","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"${delta}"},"finish_reason":null}]}\n\n`;
  const usage = `data: {"id":"${id}","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}\n\n`;
  const stream = chunk('Hé ') + chunk('there ✓') + usage + 'data: [DONE]\n\n';
  const wire: WireAnswer = { api: 'openai-chat', stream: true, bytes: Buffer.from(stream) };

  it('puts a fresh id of the same length wherever the provider\'s was, and leaves the stored bytes alone', () => {
    const ready = wireReplay(wire, id, false);
    assert.equal(ready.idOffsets.length, 3);
    const fresh = freshResponseId(id);
    assert.equal(fresh.length, id.length);
    const first = replayBytes(ready, fresh);
    assert.equal(first.toString('utf8'), stream.split(id).join(fresh));
    const second = replayBytes(ready, freshResponseId(id));
    assert.notEqual(second.toString('utf8'), first.toString('utf8'), 'each hit has its own id');
    assert.equal(wire.bytes.toString('utf8'), stream, 'the stored bytes are never written to');
    assert.equal(replayBytes(ready, undefined).toString('utf8'), stream, 'no new id: the bytes as stored');
  });

  it('drops the usage chunk a client did not ask for, then replaces the id in what is left', () => {
    const ready = wireReplay(wire, id, true);
    const fresh = freshResponseId(id);
    assert.equal(replayBytes(ready, fresh).toString('utf8'), (chunk('Hé ') + chunk('there ✓') + 'data: [DONE]\n\n').split(id).join(fresh));
  });

  it('uses a large reply\'s buffer again only once it was given back, each time with that hit\'s own id', () => {
    const long = Array.from({ length: 200 }, (_, index) => chunk(`part ${index} `)).join('') + 'data: [DONE]\n\n';
    const ready = wireReplay({ api: 'openai-chat', stream: true, bytes: Buffer.from(long) }, id, false);
    const firstId = freshResponseId(id);
    const first = replayBytes(ready, firstId);
    const second = replayBytes(ready, freshResponseId(id));
    assert.notEqual(first, second, 'two replies in flight never share a buffer');
    assert.equal(first.toString('utf8'), long.split(id).join(firstId), 'nor write over each other');
    recycleReplayBytes(ready, first);
    const thirdId = freshResponseId(id);
    const third = replayBytes(ready, thirdId);
    assert.equal(third, first, 'given back: used again');
    assert.equal(third.toString('utf8'), long.split(id).join(thirdId));
    assert.notEqual(replayBytes(ready, freshResponseId(id)), first, 'taken once');
    recycleReplayBytes(ready, ready.bytes);
    assert.notEqual(replayBytes(ready, freshResponseId(id)), ready.bytes, 'the stored bytes are never handed out to be written');
    assert.equal(ready.bytes.toString('utf8'), long);
  });

  it('falls back to rewriting the text when the new id is not as long in bytes', () => {
    const ready = wireReplay(wire, id, false);
    const longer = `${id.slice(0, -1)}é`;
    assert.equal(replayBytes(ready, longer).toString('utf8'), stream.split(id).join(longer));
  });
});
