import { controlToken, type TestProxy } from './harness';

/** An answer of the control API, read whole. */
export interface ControlAnswer {
  status: number;
  text: string;
  /** The body parsed, when it is JSON. */
  json: any;
}

/**
 * Calls a control route with the token (or the headers given). `body` is sent as JSON unless
 * it is a string, which is sent as is (for malformed bodies).
 */
export async function control(
  proxy: TestProxy,
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${controlToken}` },
): Promise<ControlAnswer> {
  const response = await fetch(`${proxy.url}/_switchyard${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

export interface ReceivedEvent {
  type: string;
  data: any;
}

/** A subscriber of `/_switchyard/events` that collects what arrives. */
export class EventStream {
  readonly events: ReceivedEvent[] = [];
  private readonly abort = new AbortController();
  private waiters: Array<() => void> = [];
  private ended = false;

  private constructor() {}

  /** Subscribes and resolves once the `hello` event arrived. */
  static async open(proxy: TestProxy, query = ''): Promise<EventStream> {
    const stream = new EventStream();
    const response = await fetch(`${proxy.url}/_switchyard/events${query}`, { headers: { authorization: `Bearer ${controlToken}` }, signal: stream.abort.signal });
    if (response.status !== 200 || response.body === null) throw new Error(`/events answered ${response.status}`);
    void stream.read(response.body);
    await stream.next('hello');
    return stream;
  }

  /** Resolves with the first event of this type not yet taken, waiting up to two seconds. */
  async next(type: string): Promise<ReceivedEvent> {
    const deadline = Date.now() + 2000;
    for (;;) {
      const index = this.events.findIndex((event) => event.type === type);
      if (index !== -1) return this.events.splice(index, 1)[0]!;
      if (this.ended) throw new Error(`the event stream ended without a '${type}' event`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no '${type}' event within 2 s; got ${this.events.map((event) => event.type).join(', ') || 'nothing'}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, left);
      });
    }
  }

  /** Resolves when the server ended the stream. */
  async closedByServer(): Promise<void> {
    const deadline = Date.now() + 2000;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error('the server did not end the event stream');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  close(): void {
    this.abort.abort();
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const type = /^event: (.+)$/m.exec(frame)?.[1];
          const data = /^data: (.+)$/m.exec(frame)?.[1];
          if (type !== undefined && data !== undefined) this.events.push({ type, data: JSON.parse(data) });
          for (const waiter of this.waiters.splice(0)) waiter();
        }
      }
    } catch {
      // aborted by close()
    }
    this.ended = true;
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
