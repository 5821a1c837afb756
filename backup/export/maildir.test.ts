import { KeywordTable, maildirFileName, maildirFolderPath, maildirInfo } from './maildir';

describe('maildir naming', () => {
  it('maps system flags to sorted letters and keywords to dovecot-keywords letters', () => {
    const k = new KeywordTable();
    expect(maildirInfo(['\\Seen', '\\Answered', '\\Flagged', '$Label1', '\\Recent'], k).info).toBe(':2,FRSa');
    expect(maildirInfo(['Project', '$Label1', '\\Draft'], k).info).toBe(':2,Dab');
    expect(k.file()).toBe('0 $Label1\n1 Project\n');
  });

  it('names folders as Dovecot LAYOUT=fs keeps them', () => {
    expect(maildirFolderPath('INBOX', '/')).toBe('');
    expect(maildirFolderPath('Archive/2024', '/')).toBe('Archive/2024');
    expect(maildirFolderPath('Entwürfe', '/')).toBe('Entw&APw-rfe');
    expect(maildirFolderPath('a/../cur', '/')).toBe('a/_../_cur');
  });

  it('puts the internal date and size in the file name', () => {
    expect(maildirFileName(7, new Date(1_700_000_000_500), 1234, ':2,S')).toBe(`1700000000.M7P${process.pid}.postwerk,S=1234:2,S`);
  });
});
