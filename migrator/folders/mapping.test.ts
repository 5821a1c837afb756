import { type ListedFolder, planFolders } from './mapping';

const f = (path: string, flags: string[] = [], delimiter = '.'): ListedFolder => ({ path, delimiter, flags });
const dest: ListedFolder[] = [
  f('INBOX', [], '/'),
  f('Sent', ['\\Sent'], '/'),
  f('Drafts', ['\\Drafts'], '/'),
  f('Trash', ['\\Trash'], '/'),
  f('Junk', ['\\Junk'], '/'),
  f('Archive', ['\\Archive'], '/'),
];

function byName(plans: ReturnType<typeof planFolders>): Record<string, (typeof plans)[number]> {
  return Object.fromEntries(plans.map((p) => [p.sourceName, p]));
}

describe('planFolders', () => {
  it('translates "." hierarchies into "/" and keeps children of \\Noselect containers', () => {
    const p = byName(
      planFolders({
        source: [
          f('INBOX'),
          f('Projects', ['\\Noselect', '\\HasChildren']),
          f('Projects.Alpha'),
          f('Projects.Alpha.Deep'),
          f('Ünïcödé.Привет'),
        ],
        destination: dest,
        destDelimiter: '/',
      }),
    );
    expect(p['INBOX']).toMatchObject({ destPath: 'INBOX', action: 'copy' });
    expect(p['Projects']).toMatchObject({ action: 'skip', reason: 'noselect' });
    expect(p['Projects/Alpha/Deep']).toMatchObject({ destPath: 'Projects/Alpha/Deep', action: 'copy' });
    expect(p['Ünïcödé/Привет'].destPath).toBe('Ünïcödé/Привет');
  });

  it('maps special-use folders by attribute first, well-known names second', () => {
    const p = byName(
      planFolders({
        source: [f('Gesendete Objekte'), f('Sent Items', ['\\Sent']), f('Deleted Items'), f('Spam'), f('Entwürfe')],
        destination: dest,
        destDelimiter: '/',
      }),
    );
    expect(p['Sent Items'].destName).toBe('Sent');
    expect(p['Gesendete Objekte'].destName).toBe('Gesendete Objekte'); // the attribute won
    expect(p['Deleted Items'].destName).toBe('Trash');
    expect(p['Spam'].destName).toBe('Junk');
    expect(p['Entwürfe'].destName).toBe('Drafts');
  });

  it("maps Gmail's [Gmail]/... tree and skips its label views", () => {
    const p = byName(
      planFolders({
        source: [
          f('INBOX', [], '/'),
          f('[Gmail]', ['\\Noselect'], '/'),
          f('[Gmail]/Sent Mail', ['\\Sent'], '/'),
          f('[Gmail]/All Mail', ['\\All'], '/'),
          f('[Gmail]/Important', ['\\Important'], '/'),
          f('[Gmail]/Spam', ['\\Junk'], '/'),
          f('[Gmail]/Bin', ['\\Trash'], '/'),
          f('[Gmail]/Starred', ['\\Flagged'], '/'),
          f('Receipts/2024', [], '/'),
        ],
        destination: dest,
        destDelimiter: '/',
      }),
    );
    expect(p['[Gmail]'].action).toBe('skip');
    expect(p['[Gmail]/Sent Mail'].destName).toBe('Sent');
    expect(p['[Gmail]/Spam'].destName).toBe('Junk');
    expect(p['[Gmail]/Bin'].destName).toBe('Trash');
    expect(p['[Gmail]/All Mail']).toMatchObject({ action: 'skip', reason: 'gmail-virtual' });
    expect(p['[Gmail]/Important']).toMatchObject({ action: 'skip', reason: 'gmail-virtual' });
    expect(p['[Gmail]/Starred']).toMatchObject({ destName: 'Starred', action: 'copy' });
    expect(p['Receipts/2024'].destPath).toBe('Receipts/2024');
  });

  it('applies include/exclude, the rename map, namespace prefixes and delimiter clashes', () => {
    const p = byName(
      planFolders({
        source: [f('INBOX'), f('INBOX.Old'), f('INBOX.a/b'), f('INBOX.Junk'), f('INBOX.Clients.ACME')],
        sourcePrefix: 'INBOX.',
        destination: dest,
        destDelimiter: '/',
        exclude: ['Junk'],
        folderMap: { 'Clients/ACME': 'Customers/ACME Corp' },
      }),
    );
    expect(p['Old'].destPath).toBe('Old');
    expect(p['a/b'].destPath).toBe('a_b');
    expect(p['a/b'].note).toMatch(/replaced/);
    expect(p['Junk']).toMatchObject({ action: 'skip', reason: 'excluded' });
    expect(p['Clients/ACME'].destPath).toBe('Customers/ACME Corp');
  });

  it("children follow their parent's new name (special use, rename map)", () => {
    const p = byName(
      planFolders({
        source: [
          f('INBOX'),
          f('INBOX.Archiv'),
          f('INBOX.Archiv.Alt & Neu'),
          f('INBOX.Archiv.Alt & Neu.2019'),
          f('INBOX.Clients'),
          f('INBOX.Clients.ACME'),
          f('INBOX.Clients.ACME.Old'),
        ],
        sourcePrefix: 'INBOX.',
        destination: dest,
        destDelimiter: '/',
        folderMap: { Clients: 'Customers' },
      }),
    );
    expect(p['Archiv'].destPath).toBe('Archive');
    expect(p['Archiv/Alt & Neu']).toMatchObject({ destPath: 'Archive/Alt & Neu', action: 'copy' });
    expect(p['Archiv/Alt & Neu'].note).toMatch(/follows its parent "Archiv"/);
    expect(p['Archiv/Alt & Neu/2019'].destPath).toBe('Archive/Alt & Neu/2019');
    expect(p['Clients/ACME/Old'].destPath).toBe('Customers/ACME/Old');
  });

  it('never merges two source folders into one destination folder', () => {
    const plans = planFolders({
      source: [f('Sent', ['\\Sent']), f('Sent Messages')],
      destination: dest,
      destDelimiter: '/',
      folderMap: { 'Sent Messages': 'Sent' },
    });
    const dests = plans.map((x) => x.destPath);
    expect(new Set(dests).size).toBe(2);
  });
});
