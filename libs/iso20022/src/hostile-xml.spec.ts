import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseCamt053 } from './camt053/camt053.parser';
import { parsePacs002 } from './pacs002/pacs002.parser';
import { parsePacs004 } from './pacs004/pacs004.parser';
import { parsePacs008 } from './pacs008/pacs008.parser';
import { parseCamt029 } from './recall/camt029.parser';
import { parseCamt056 } from './recall/camt056.parser';
import { guardXml } from './xml/xml-guard';
import { XmlRefusedError } from './xml/xml-refused.error';
import { checkInbound, validateXml } from './xml/xsd-validation';

const PACS008_NS = 'urn:iso:std:iso:20022:tech:xsd:pacs.008.001.09';

/**
 * XXE through every entry point a caller has: the entity points at a temporary file holding a marker, at a closed
 * port and at a listening one. Every entry point refuses the DOCTYPE; no output or error carries the marker, the
 * file is never opened, and the listening port never sees a connection.
 */
describe('external entities are never fetched', () => {
  const marker = `NOSTRO-XXE-MARKER-${process.pid}-${Date.now()}`;
  let directory: string;
  let secretFile: string;
  let server: net.Server;
  let connections = 0;
  let port = 0;

  beforeAll(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'iso20022-xxe-'));
    secretFile = path.join(directory, 'secret.txt');
    fs.writeFileSync(secretFile, marker);
    server = net.createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(directory, { recursive: true, force: true });
  });

  function xxeDocuments(): string[] {
    const system = [`file://${secretFile}`, 'http://127.0.0.1:1/x', `http://127.0.0.1:${port}/x`];
    return system.flatMap((url) => [
      `<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY x SYSTEM "${url}">]><Document xmlns="${PACS008_NS}"><FIToFICstmrCdtTrf>&x;</FIToFICstmrCdtTrf></Document>`,
      `<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY % p SYSTEM "${url}"> %p;]><Document/>`,
      `<?xml version="1.0"?><!DOCTYPE Document SYSTEM "${url}"><Document/>`,
    ]);
  }

  /** Everything a caller could see of a refusal: message, issues, or a validation result. */
  async function outcomes(xml: string): Promise<string[]> {
    const seen: string[] = [];
    const capture = (run: () => unknown): void => {
      try {
        seen.push(JSON.stringify(run()));
      } catch (error) {
        seen.push(error instanceof XmlRefusedError ? `${error.message} ${JSON.stringify(error.issues)}` : String(error));
      }
    };
    for (const parse of [guardXml, parsePacs008, parsePacs002, parseCamt056, parseCamt029, parsePacs004, parseCamt053]) capture(() => parse(xml));
    seen.push(JSON.stringify(await validateXml('pacs.008.001.09', xml)));
    await checkInbound('pacs.008.001.09', xml).catch((error: unknown) =>
      seen.push(error instanceof XmlRefusedError ? JSON.stringify(error.issues) : String(error)),
    );
    return seen;
  }

  it('refuses XXE with file:// and http:// as DOCTYPE, and nothing is read or connected', async () => {
    const readFile = jest.spyOn(fs, 'readFileSync');
    const openFile = jest.spyOn(fs, 'openSync');
    try {
      for (const xml of xxeDocuments()) {
        const seen = await outcomes(xml);
        expect(seen).toHaveLength(9);
        for (const outcome of seen) {
          expect(outcome).toMatch(/DOCTYPE/);
          expect(outcome).not.toContain(marker);
        }
      }
      const touched = [...readFile.mock.calls, ...openFile.mock.calls].map(([file]) => String(file));
      expect(touched.filter((file) => file.includes(directory))).toEqual([]);
    } finally {
      readFile.mockRestore();
      openFile.mockRestore();
    }
    expect(connections).toBe(0);
  }, 30_000);
});
