/** The Dockerfile and .dockerignore, checked without a Docker engine. (5) The checks can fail. */
import { checkDockerfile, checkDockerignore, parseDockerfile } from './dockerfile';
import { readRepoFile } from './render';

describe('Dockerfile', () => {
  let text: string;
  beforeAll(() => {
    text = readRepoFile('Dockerfile');
  });

  it('is multi-stage on a pinned node:20 bookworm-slim, runs as a numeric non-root user, with an exec-form CMD', () => {
    expect(checkDockerfile(text)).toEqual([]);
  });

  it('defaults to the gateway and lets the command choose any app', () => {
    const instructions = parseDockerfile(text);
    expect(instructions.find((i) => i.keyword === 'ARG' && i.args.startsWith('APP='))?.args).toBe('APP=gateway');
    expect(text).toMatch(/CMD \[.*dist\/apps\/\$\{NOSTRO_APP\}\/src\/main\.js/);
  });

  it('reports a floating base image, a root user and a shell-form CMD', () => {
    const broken = text
      .replace(/ARG NODE_IMAGE=\S+/, 'ARG NODE_IMAGE=node:latest')
      .replace('USER 1000:1000', 'USER root')
      .replace(/^CMD .*$/m, 'CMD node dist/apps/gateway/src/main.js');
    expect(checkDockerfile(broken)).toEqual(
      expect.arrayContaining([
        'Dockerfile: FROM image "node:latest" uses the "latest" tag',
        'Dockerfile: runtime USER "root" is not a numeric non-root uid',
        'Dockerfile: CMD is not in exec (JSON array) form',
      ]),
    );
  });
});

describe('.dockerignore', () => {
  it('keeps .git, node_modules, dist, local keys and env files out of the build context', () => {
    expect(checkDockerignore(readRepoFile('.dockerignore'))).toEqual([]);
  });

  it('reports a missing exclusion', () => {
    const broken = readRepoFile('.dockerignore').replace(/^\.nostro$/m, '');
    expect(checkDockerignore(broken)).toEqual(['.dockerignore: does not exclude .nostro']);
  });
});
