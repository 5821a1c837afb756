import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * The lint rules that keep the house in shape (eslint.config.mjs), proven on snippets, so that a
 * change to the config cannot quietly stop enforcing them.
 */
const root = path.resolve(__dirname, '..');

// eslint runs as its own process: its config is an ES module, which jest's module sandbox cannot load.
async function problems(filePath: string, text: string): Promise<string[]> {
  const bin = path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');
  const run = spawnSync(process.execPath, [bin, '--stdin', '--stdin-filename', filePath, '--format', 'json'], {
    cwd: root,
    input: text,
    encoding: 'utf8',
  });
  const [result] = JSON.parse(run.stdout) as Array<{ messages: Array<{ ruleId: string; message: string }> }>;
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('architecture lint rules', () => {
  jest.setTimeout(180_000);

  it('refuses knex in a use case, even its types', async () => {
    const found = await problems('tenancy/use-cases/example.ts', "import type { Knex } from 'knex';\nexport type X = Knex;\n");
    expect(found.join('\n')).toMatch(/no-restricted-imports: 'knex' import is restricted/);
  });

  it('allows knex in a repository', async () => {
    expect(await problems('tenancy/repositories/example.ts', "import type { Knex } from 'knex';\nexport type X = Knex;\n")).toEqual([]);
  });

  it('refuses an import from quotas/ into tenancy/', async () => {
    const found = await problems(
      'tenancy/use-cases/example.ts',
      "import { formatBytes } from '../../quotas/shared/pool';\nexport const f = formatBytes;\n",
    );
    expect(found.join('\n')).toMatch(/tenancy\/ may not import quotas\//);
  });

  it('refuses an import from filters/ into migrator/', async () => {
    const found = await problems('migrator/example.ts', "import * as verdicts from '../filters/verdicts';\nexport const v = verdicts;\n");
    expect(found.join('\n')).toMatch(/migrator\/ may not import filters\//);
  });
});
