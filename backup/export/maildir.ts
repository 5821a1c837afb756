// utf7 ships no types; its `imap` half is modified UTF-7 (RFC 3501 5.1.3)
const { imap: mutf7 } = require('utf7') as { imap: { encode(s: string): string } };

/**
 * Maildir naming for exports: the layout Postwerk's own Dovecot uses (`maildir:~/Maildir:LAYOUT=fs`),
 * so `doveadm import maildir:DIR/Maildir:LAYOUT=fs "" all` reads it back:
 * - INBOX is the root (`Maildir/cur`), every other folder a directory path of its own (`Maildir/Archive/2024/cur`),
 *   with the hierarchy delimiter as '/' and names in modified UTF-7, as Dovecot keeps them on disk;
 * - one file per message in `cur/`, named `<internal date seconds>.M<n>P<pid>.postwerk,S=<size>:2,<flags>`
 *   with the file's mtime set to the internal date (Dovecot takes the received date from it);
 * - system flags as Maildir letters (sorted, as the spec wants), keywords as the letters a–z listed in
 *   the folder's `dovecot-keywords` file ($Forwarded too: Dovecot does not read the 'P' letter as it).
 */
const SYSTEM_FLAGS: Record<string, string> = {
  '\\Draft': 'D',
  '\\Flagged': 'F',
  '\\Answered': 'R',
  '\\Seen': 'S',
  '\\Deleted': 'T',
};
/** Dovecot's dovecot-keywords letters: 26 per folder; further keywords are kept in the manifest only. */
const KEYWORD_LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** Keywords of one folder, numbered in order of first use, as Dovecot's dovecot-keywords file has them. */
export class KeywordTable {
  private readonly letters = new Map<string, string>();

  letterOf(keyword: string): string | null {
    const known = this.letters.get(keyword);
    if (known) return known;
    if (this.letters.size >= KEYWORD_LETTERS.length) return null;
    const letter = KEYWORD_LETTERS[this.letters.size]!;
    this.letters.set(keyword, letter);
    return letter;
  }

  get size(): number {
    return this.letters.size;
  }

  /** `0 $Label1\n1 Project\n`: the dovecot-keywords file. */
  file(): string {
    return [...this.letters.keys()].map((k, i) => `${i} ${k}\n`).join('');
  }
}

/** The `:2,` info letters of a message (\Recent is per session and never stored). */
export function maildirInfo(flags: Iterable<string>, keywords: KeywordTable): { info: string; dropped: string[] } {
  const letters: string[] = [];
  const dropped: string[] = [];
  for (const f of flags) {
    if (f === '\\Recent') continue;
    const sys = SYSTEM_FLAGS[f];
    if (sys) letters.push(sys);
    else if (f.startsWith('\\')) dropped.push(f);
    else {
      const k = keywords.letterOf(f);
      if (k) letters.push(k);
      else dropped.push(f);
    }
  }
  // Maildir wants the letters in ASCII order: upper-case system flags before the keyword letters
  return { info: `:2,${[...new Set(letters)].sort().join('')}`, dropped };
}

export function maildirFileName(seq: number, internalDate: Date, size: number, info: string): string {
  return `${Math.floor(internalDate.getTime() / 1000)}.M${seq}P${process.pid}.postwerk,S=${size}${info}`;
}

/** The folder's directory under `Maildir/` ('' for INBOX), from its IMAP name and delimiter. */
export function maildirFolderPath(name: string, delimiter: string | null): string {
  if (name.toUpperCase() === 'INBOX') return '';
  const parts = delimiter ? name.split(delimiter) : [name];
  return parts
    .map((p) => {
      const enc = mutf7.encode(p);
      // a path segment that would step out of the tree or collide with Maildir's own folders
      if (enc === '' || enc === '.' || enc === '..' || enc === 'cur' || enc === 'new' || enc === 'tmp') return `_${enc}`;
      return enc;
    })
    .join('/');
}
