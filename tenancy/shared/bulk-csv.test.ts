import { MAX_BULK_ROWS } from '../limits';
import { parseBulkCsv } from './bulk-csv';

const PW = 'Correct-Horse-42';

describe('bulk CSV parsing', () => {
  it('parses rows with optional columns, quoted fields and a BOM', () => {
    const csv =
      '\uFEFFAddress,Display_Name,password,allocation_bytes,status\r\n' +
      `Alice@Example.com,"Andersen, Alice",${PW},1048576,Active\r\n` +
      `bob@example.com,,,,\r\n\r\n`;
    const { rows, errors } = parseBulkCsv(csv);
    expect(errors).toEqual([]);
    expect(rows).toEqual([
      {
        row: 1,
        line: 2,
        parsed: { address: 'alice@example.com', localPart: 'alice', domain: 'example.com' },
        displayName: 'Andersen, Alice',
        password: PW,
        allocationBytes: 1048576,
        status: 'active',
      },
      {
        row: 2,
        line: 3,
        parsed: { address: 'bob@example.com', localPart: 'bob', domain: 'example.com' },
        displayName: undefined,
        password: undefined,
        allocationBytes: undefined,
        status: undefined,
      },
    ]);
  });

  it('reports every bad row with row, line, column and message', () => {
    const csv = [
      'address,password,allocation_bytes,status',
      `bad,${PW},,`,
      'c@example.com,short,,',
      `d@example.com,${PW},-5,`,
      `e@example.com,${PW},,gone`,
      `d@example.com,${PW},,`,
      `,${PW},,`,
    ].join('\n');
    expect(parseBulkCsv(csv).errors).toEqual([
      { row: 1, line: 2, column: 'address', message: 'address "bad" is not an address (local@domain)' },
      { row: 2, line: 3, column: 'password', message: 'password must be at least 10 characters' },
      { row: 3, line: 4, column: 'allocation_bytes', message: 'must be a whole number of bytes' },
      { row: 4, line: 5, column: 'status', message: 'must be active or suspended' },
      { row: 6, line: 7, column: 'address', message: 'is required' },
    ]);
  });

  it('finds duplicates within the file', () => {
    const { errors } = parseBulkCsv(['address', 'a@example.com', 'A@EXAMPLE.COM'].join('\n'));
    expect(errors).toEqual([{ row: 2, line: 3, column: 'address', message: 'a@example.com appears again (first in row 1)' }]);
  });

  it('refuses a bad header, no rows, malformed CSV and too many rows', () => {
    expect(parseBulkCsv('email,password\nx,y').errors[0]!.message).toMatch(/unknown column "email"/);
    expect(parseBulkCsv('display_name\nx').errors[0]!.message).toMatch(/no "address" column/);
    expect(parseBulkCsv('address,address\na@b.co,c@d.co').errors[0]!.message).toMatch(/twice/);
    expect(parseBulkCsv('address\n').errors[0]!.message).toMatch(/no rows/);
    expect(parseBulkCsv('').errors[0]!.message).toMatch(/empty/);
    expect(parseBulkCsv('address,password\n"a@b.co,x').errors[0]!.message).toMatch(/not valid CSV/);
    expect(parseBulkCsv('address,password\na@b.co,x,extra').errors[0]!.message).toMatch(/not valid CSV/);
    const many = ['address', ...Array.from({ length: MAX_BULK_ROWS + 1 }, (_, i) => `u${i}@example.com`)].join('\n');
    expect(parseBulkCsv(many).errors[0]!.message).toMatch(new RegExp(`at most ${MAX_BULK_ROWS}`));
  });
});
