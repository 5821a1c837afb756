import { isAppError } from '../platform/errors';
import { parseAccountsCsv, type CsvRowError } from './csv';

function problems(fn: () => unknown): CsvRowError[] {
  try {
    fn();
  } catch (e) {
    if (isAppError(e)) return e.details as CsvRowError[];
    throw e;
  }
  throw new Error('expected the CSV to be refused');
}

describe('accounts CSV', () => {
  it('reads rows in any column order, trims and lower-cases destination addresses', () => {
    const rows = parseAccountsCsv('\uFEFFdestination_address,source_user\r\n Ann@Acme.test ,ann\n\nbob@acme.test,bob@old.test\n', {
      requirePassword: false,
    });
    expect(rows).toEqual([
      { line: 2, source_user: 'ann', destination_address: 'ann@acme.test', source_password: undefined },
      { line: 4, source_user: 'bob@old.test', destination_address: 'bob@acme.test', source_password: undefined },
    ]);
  });

  it('keeps quoted passwords with commas and quotes', () => {
    const rows = parseAccountsCsv('source_user,destination_address,source_password\nann,ann@acme.test,"p,w ""x"""\n', {
      requirePassword: true,
    });
    expect(rows[0]!.source_password).toBe('p,w "x"');
  });

  it('is all-or-nothing and reports every bad row with its line', () => {
    const csv = [
      'source_user,destination_address,source_password',
      'ann,ann@acme.test,pw',
      ',bob@acme.test,pw', // empty source user
      'carl,not-an-address,pw',
      'dora,dora@acme.test,', // password required
      'ann,eve@acme.test,pw', // duplicate source
      'fay,ann@acme.test,pw', // duplicate destination
    ].join('\n');
    const p = problems(() => parseAccountsCsv(csv, { requirePassword: true }));
    expect(p).toEqual([
      { line: 3, column: 'source_user', message: 'is empty' },
      { line: 4, column: 'destination_address', message: 'is not an e-mail address' },
      { line: 5, column: 'source_password', message: expect.stringMatching(/required/) },
      { line: 6, column: 'source_user', message: 'ann is already on line 2' },
      { line: 7, column: 'destination_address', message: 'ann@acme.test is already on line 2' },
    ]);
  });

  it('refuses a password when the project uses an admin identity', () => {
    expect(
      problems(() => parseAccountsCsv('source_user,destination_address,source_password\nann,ann@acme.test,pw', { requirePassword: false })),
    ).toEqual([{ line: 2, column: 'source_password', message: expect.stringMatching(/must be empty/) }]);
  });

  it('refuses a bad header, a ragged row and an empty file', () => {
    expect(
      problems(() => parseAccountsCsv('user,destination_address\nann,ann@acme.test', { requirePassword: false })).map((e) => e.column),
    ).toEqual(['source_user', 'user']);
    expect(
      problems(() => parseAccountsCsv('source_user,destination_address\nann,ann@acme.test,extra', { requirePassword: false }))[0]!.line,
    ).toBe(2);
    expect(problems(() => parseAccountsCsv('source_user,destination_address\n', { requirePassword: false }))[0]!.message).toMatch(
      /no account rows/,
    );
  });
});
