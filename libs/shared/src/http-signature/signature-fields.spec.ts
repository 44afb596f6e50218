import { parseSignatureFields, SignatureFieldError, signatureInputList, serializeSignatureFields } from './signature-fields';

const SIG = ':' + Buffer.alloc(64, 7).toString('base64') + ':';

describe('Signature-Input / Signature fields', () => {
  it('serializes one signature under its label, parameters in the given order', () => {
    const list = signatureInputList(['@method', '@target-uri'], { created: 1, keyid: 'k', alg: 'ed25519', nonce: undefined });
    const fields = serializeSignatureFields('sig1', list, new Uint8Array(64).fill(7));
    expect(fields.signatureInput).toBe('sig1=("@method" "@target-uri");created=1;keyid="k";alg="ed25519"');
    expect(fields.signature).toBe(`sig1=${SIG}`);
  });

  it('parses what it serializes', () => {
    const parsed = parseSignatureFields('sig1=("@method");keyid="k";created=5', `sig1=${SIG}`);
    expect(parsed.label).toBe('sig1');
    expect(parsed.components).toEqual(['@method']);
    expect([...parsed.params.keys()]).toEqual(['keyid', 'created']);
    expect(parsed.signature).toEqual(new Uint8Array(64).fill(7));
  });

  it('prefers sig1, else takes the first signature', () => {
    const inputs = 'a=("@method");created=1, sig1=("@target-uri");created=2';
    expect(parseSignatureFields(inputs, `a=${SIG}, sig1=${SIG}`).label).toBe('sig1');
    expect(parseSignatureFields('b=("@method"), a=("@target-uri")', `a=${SIG}, b=${SIG}`).label).toBe('b');
  });

  it('tolerates a byte sequence without padding (RFC 8941 §4.2.7)', () => {
    const unpadded = SIG.replace(/=+:$/, ':');
    expect(parseSignatureFields('sig1=("@method")', `sig1=${unpadded}`).signature).toHaveLength(64);
  });

  it.each([
    ['an input that does not parse', 'sig1=(', `sig1=${SIG}`],
    ['an empty input', '', `sig1=${SIG}`],
    ['an input that is not an inner list', 'sig1=:AAAA:', `sig1=${SIG}`],
    ['no signature for the label', 'sig1=("@method")', `other=${SIG}`],
    ['a signature that is not bytes', 'sig1=("@method")', 'sig1="text"'],
    ['a signature that is an inner list', 'sig1=("@method")', `sig1=(${SIG})`],
    ['a component that is not a string', 'sig1=(method)', `sig1=${SIG}`],
    ['a component with parameters', 'sig1=("content-digest";sf)', `sig1=${SIG}`],
    ['a signature whose base64 is not canonical', 'sig1=("@method")', 'sig1=:AB==:'],
  ])('refuses %s', (_why, input, signature) => {
    expect(() => parseSignatureFields(input, signature)).toThrow(SignatureFieldError);
  });
});
