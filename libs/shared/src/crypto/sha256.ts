/**
 * SHA-256 for the domain code, portable: @noble/hashes unless a faster engine with the same output is installed.
 *
 * Node processes load @nostro/shared-node, which installs OpenSSL's SHA-256 (node:crypto) here when it loads. So
 * the hashing the domain does on servers' hot paths (the block cutter's Merkle root and state digest, the chain
 * verifier, token and idempotency digests) runs natively, while this library keeps no Node import and bundles for
 * the browser. An engine is checked against the FIPS 180 vectors before it is installed; the portable and OpenSSL
 * engines are also compared on random inputs (shared-node's spec).
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { assert } from '../assert';

/** One SHA-256 implementation. Strings are hashed as their UTF-8 encoding. */
export interface Sha256Engine {
  /** For logs and tests: `noble` or `openssl`. */
  readonly name: string;
  /** The 32-byte digest as a plain Uint8Array. */
  bytes(data: Uint8Array | string): Uint8Array;
  /** The digest in lowercase hex. */
  hex(data: Uint8Array | string): string;
}

const utf8 = (data: Uint8Array | string): Uint8Array => (typeof data === 'string' ? utf8ToBytes(data) : data);

/** @noble/hashes: pure TypeScript, runs everywhere. */
export const nobleSha256: Sha256Engine = {
  name: 'noble',
  bytes: (data) => sha256(utf8(data)),
  hex: (data) => bytesToHex(sha256(utf8(data))),
};

/** FIPS 180-2 examples ("abc" and the empty string) that an engine must reproduce before it is used. */
const KNOWN_DIGESTS: readonly [string, string][] = [
  ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
];

let engine: Sha256Engine = nobleSha256;

/** Makes `next` the SHA-256 of this process, after checking it on the FIPS 180 examples (as text and as bytes). */
export function useSha256Engine(next: Sha256Engine): void {
  for (const [text, digest] of KNOWN_DIGESTS) {
    const bytes = next.bytes(utf8ToBytes(text));
    assert(next.hex(text) === digest && bytes instanceof Uint8Array && bytesToHex(bytes) === digest, `SHA-256 engine ${next.name} fails the FIPS 180 examples`);
  }
  engine = next;
}

/** The engine in use (`noble` unless @nostro/shared-node installed OpenSSL's). */
export function sha256Engine(): Sha256Engine {
  return engine;
}

/** SHA-256 of raw bytes, or of a string's UTF-8 encoding. */
export function sha256Bytes(data: Uint8Array | string): Uint8Array {
  return engine.bytes(data);
}

/** Lowercase hex SHA-256 of raw bytes, or of a string's UTF-8 encoding. */
export function sha256Hex(data: Uint8Array | string): string {
  return engine.hex(data);
}
