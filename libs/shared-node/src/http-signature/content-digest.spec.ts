import { contentDigest, verifyContentDigest } from './content-digest';

describe('Content-Digest (RFC 9530, sha-256)', () => {
  it('matches the RFC 9530 example', () => {
    expect(contentDigest('{"hello": "world"}')).toBe('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:');
  });

  it('hashes a string body as its UTF-8 bytes', () => {
    const body = '{"name":"Zoë Ångström","memo":"💶 → ¥"}';
    expect(contentDigest(body)).toBe(contentDigest(new TextEncoder().encode(body)));
    expect(verifyContentDigest(contentDigest(body), new TextEncoder().encode(body))).toBe(true);
  });

  it('digests an empty body too', () => {
    expect(contentDigest('')).toBe('sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:');
    expect(verifyContentDigest(contentDigest(''), new Uint8Array(0))).toBe(true);
  });

  it('verifies a matching digest, including among other algorithms', () => {
    const body = '{"a":1}';
    expect(verifyContentDigest(contentDigest(body), body)).toBe(true);
    expect(verifyContentDigest(`sha-512=:AAAA:, ${contentDigest(body)}`, body)).toBe(true);
  });

  it.each([
    ['another body', contentDigest('{"a":2}')],
    ['only another algorithm', 'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:'],
    ['a digest of the wrong length', 'sha-256=:AAAA:'],
    ['a token instead of bytes', 'sha-256=abc'],
    ['an inner list', 'sha-256=(:AAAA:)'],
    ['not a dictionary', '::::'],
    ['an empty header', ''],
  ])('refuses %s', (_why, header) => {
    expect(verifyContentDigest(header, '{"a":1}')).toBe(false);
  });
});
