import { PassThrough } from 'node:stream';
import { LINGER_MAX_BYTES, LINGER_MAX_MS, drainUnreadBody, findPoisonedKey, parseJsonBody } from './http-edge';

const parse = (text: string) =>
  new Promise<{ error: Error | null; value?: unknown }>((resolve) =>
    parseJsonBody({} as never, Buffer.from(text), (error, value) => resolve({ error, value })),
  );

describe('the JSON body parser', () => {
  it('parses JSON and keeps an ordinary body whole', async () => {
    expect(await parse('{"a":[1,{"b":"c"}],"constructor":"x"}')).toEqual({ error: null, value: { a: [1, { b: 'c' }], constructor: 'x' } });
  });

  it('names a __proto__ key at any depth, and a constructor.prototype pair', async () => {
    const top = await parse('{"name":"x","__proto__":{"role":"admin"}}');
    expect(top.error).toMatchObject({ status: 400, code: 'validation_failed', errors: [{ path: '__proto__', message: expect.any(String) }] });
    const deep = await parse('{"a":[{"b":{"__proto__":1}}]}');
    expect(deep.error).toMatchObject({ errors: [{ path: 'a.0.b.__proto__' }] });
    const escaped = await parse('{"\\u005f_proto__":{"role":"admin"}}');
    expect(escaped.error).toMatchObject({ errors: [{ path: '__proto__' }] });
    const ctor = await parse('{"constructor":{"prototype":{"x":1}}}');
    expect(ctor.error).toMatchObject({ errors: [{ path: 'constructor.prototype' }] });
  });

  it('says what is wrong with an empty or malformed body', async () => {
    expect((await parse('')).error).toMatchObject({ status: 400, code: 'validation_failed', detail: 'a JSON body is required' });
    expect((await parse('{"a":')).error).toMatchObject({ status: 400, code: 'validation_failed', detail: 'the body is not valid JSON' });
  });

  it('walks a deeply nested body without recursion', () => {
    const depth = 100_000;
    const nested = JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`) as unknown;
    expect(findPoisonedKey(nested)).toBeNull();
  });
});

describe('an early answer waits for the rest of the body (drainUnreadBody)', () => {
  /** A request whose body arrives as the test writes it, and a reply that records the headers it is given. */
  function exchange(headers: Record<string, string>, complete = false) {
    const incoming = Object.assign(new PassThrough(), { headers, complete });
    incoming.on('end', () => (incoming.complete = true));
    const set: Record<string, string> = {};
    const reply = { header: (name: string, value: string) => ((set[name] = value), reply) };
    const answered = drainUnreadBody({ raw: incoming } as never, reply as never, 'payload');
    return { incoming, set, answered };
  }

  afterEach(() => jest.useRealTimers());

  it('answers once the client has sent the rest of the body, keeping the connection as it was', async () => {
    const { incoming, set, answered } = exchange({ 'content-length': String(3 * 1024 * 1024) });
    let done = false;
    void answered.then(() => (done = true));
    incoming.write(Buffer.alloc(1024 * 1024));
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    incoming.end(Buffer.alloc(2 * 1024 * 1024));
    expect(await answered).toBe('payload');
    expect(set).toEqual({});
  });

  it('does not wait for a body declared over LINGER_MAX_BYTES: answers at once and closes', async () => {
    const { set, answered } = exchange({ 'content-length': String(LINGER_MAX_BYTES + 1) });
    expect(await answered).toBe('payload');
    expect(set).toEqual({ connection: 'close' });
  });

  it('stops waiting after LINGER_MAX_MS, or once more than LINGER_MAX_BYTES arrived, and closes', async () => {
    jest.useFakeTimers();
    const slow = exchange({ 'transfer-encoding': 'chunked' });
    slow.incoming.write(Buffer.alloc(10));
    jest.advanceTimersByTime(LINGER_MAX_MS);
    expect(await slow.answered).toBe('payload');
    expect(slow.set).toEqual({ connection: 'close' });
    jest.useRealTimers();
    const endless = exchange({ 'transfer-encoding': 'chunked' });
    for (let sent = 0; sent <= LINGER_MAX_BYTES; sent += 1024 * 1024) endless.incoming.write(Buffer.alloc(1024 * 1024));
    expect(await endless.answered).toBe('payload');
    expect(endless.set).toEqual({ connection: 'close' });
  });

  it('answers at once when the body was read or there is none', async () => {
    const read = exchange({ 'content-length': '2' }, true);
    const none = exchange({});
    expect(await Promise.all([read.answered, none.answered])).toEqual(['payload', 'payload']);
    expect([read.set, none.set]).toEqual([{}, {}]);
  });
});
