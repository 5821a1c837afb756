import { parseBatchCsv } from './batch';
import { readRetryLists } from './migrate-command';
import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

describe('--batch CSV', () => {
  it('parses rows with optional password files', () => {
    const rows = parseBatchCsv('source_user,destination_user,source_password_file\nalice@old,alice@new,/run/a\nbob@old,bob@new,\n');
    expect(rows).toEqual([
      { source_user: 'alice@old', destination_user: 'alice@new', source_password_file: '/run/a', destination_password_file: undefined },
      { source_user: 'bob@old', destination_user: 'bob@new', source_password_file: undefined, destination_password_file: undefined },
    ]);
  });
  it('names every bad row', () => {
    expect(() => parseBatchCsv('source_user,destination_user\nalice@old,a@new\n,bob@new\nalice@old,x@new\ncarol@old,\n', 'a.csv')).toThrow(
      'a.csv: 3 bad row(s):\n' +
        '  row 3: source_user: source_user is empty\n' +
        '  row 4: source_user alice@old already on row 2\n' +
        '  row 5: destination_user: destination_user is empty',
    );
  });
  it('rejects a file without rows', () => {
    expect(() => parseBatchCsv('source_user,destination_user\n')).toThrow(/no account rows/);
  });
});

describe('--retry-failed', () => {
  it('reads the retry list of a single and of a batch report', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'retry-'));
    writeFileSync(path.join(dir, 'one.json'), JSON.stringify({ retry: { INBOX: [1, 2] } }));
    writeFileSync(
      path.join(dir, 'many.json'),
      JSON.stringify({
        accounts: [
          { account: { source: 'a@h:143' }, retry: { INBOX: [3] } },
          { account: { source: 'b@h:143' }, retry: { INBOX: [4] } },
        ],
      }),
    );
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ nope: 1 }));
    expect(readRetryLists(path.join(dir, 'one.json'))).toEqual(new Map([['*', { INBOX: [1, 2] }]]));
    expect(readRetryLists(path.join(dir, 'many.json'))).toEqual(
      new Map([
        ['a@h:143', { INBOX: [3] }],
        ['b@h:143', { INBOX: [4] }],
      ]),
    );
    expect(() => readRetryLists(path.join(dir, 'bad.json'))).toThrow(/not a migration report/);
  });
});
