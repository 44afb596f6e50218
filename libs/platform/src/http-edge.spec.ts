import { findPoisonedKey, parseJsonBody } from './http-edge';

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
