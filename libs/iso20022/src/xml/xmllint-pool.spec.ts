import { XmllintJob, XmllintPool } from './xmllint-pool';

const SCHEMA = `<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="n" type="xs:positiveInteger"/></xs:schema>`;

function job(document: string, files: { fileName: string; contents: string }[] = [{ fileName: 'doc.xml', contents: document }]): XmllintJob {
  return {
    inputFiles: [...files, { fileName: 's.xsd', contents: SCHEMA }],
    args: ['--nonet', '--schema', 's.xsd', '--noout', 'doc.xml'],
    initialMemoryPages: 256,
    maxMemoryPages: 512,
  };
}

describe('XmllintPool', () => {
  const pool = new XmllintPool(2);
  afterAll(() => pool.close());

  it("answers with xmllint's exit code and messages", async () => {
    expect(await pool.run(job('<n>7</n>'))).toMatchObject({ exitCode: 0, stderr: expect.stringContaining('doc.xml validates') });
    const refused = await pool.run(job('<n>-7</n>'));
    expect(refused.exitCode).toBe(3);
    expect(refused.stderr).toMatch(/^doc\.xml:1: .*'-7' is not a valid value/m);
  });

  it('runs many jobs on a few workers, each answer to its own job', async () => {
    const values = Array.from({ length: 12 }, (_, index) => (index % 3 === 0 ? -index - 1 : index + 1));
    const exits = await Promise.all(values.map((value) => pool.run(job(`<n>${value}</n>`))));
    expect(exits.map((exit) => exit.exitCode)).toEqual(values.map((value) => (value > 0 ? 0 : 3)));
    exits.forEach((exit, index) => {
      const value = values[index] ?? 0;
      if (value < 0) expect(exit.stderr).toContain(`'${value}'`);
    });
  });

  it('gives each run only its own files (a file of an earlier run is gone)', async () => {
    expect(
      (
        await pool.run(
          job('', [
            { fileName: 'doc.xml', contents: '<n>1</n>' },
            { fileName: 'other.xml', contents: '<n>2</n>' },
          ]),
        )
      ).exitCode,
    ).toBe(0);
    const alone = { ...job('<n>1</n>'), args: ['--nonet', '--schema', 's.xsd', '--noout', 'other.xml'] };
    const missing = await pool.run(alone);
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toMatch(/other\.xml/);
  });

  it('fails the job of a worker that dies, and runs the next on a new one', async () => {
    // More initial memory than the maximum: the worker throws outside any run, and dies.
    await expect(pool.run({ ...job('<n>1</n>'), initialMemoryPages: 1024, maxMemoryPages: 512 })).rejects.toThrow();
    expect((await pool.run(job('<n>1</n>'))).exitCode).toBe(0);
  });

  it('leaves idle workers unreferenced: they do not hold the process open', async () => {
    await pool.run(job('<n>1</n>'));
    // Jest would report an open handle (and the worker would not exit) if an idle worker were still referenced.
    expect(process.getActiveResourcesInfo().filter((resource) => resource === 'MessagePort')).toHaveLength(0);
  });
});
