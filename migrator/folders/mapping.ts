// Plans which source folder goes where: delimiter translation, namespace prefixes,
// special-use mapping (RFC 6154 attributes first, well-known names second, Gmail's
// [Gmail]/... tree), \Noselect containers, include/exclude and the explicit rename map.
// Pure: no IMAP here, so it is unit tested on plain data.
import { isFolderSelected } from './patterns';

export type SpecialUse = '\\Sent' | '\\Drafts' | '\\Trash' | '\\Junk' | '\\Archive' | '\\All' | '\\Flagged' | '\\Important';

export interface ListedFolder {
  /** Decoded (UTF-8) full path as the server names it, with the server's delimiter. */
  path: string;
  delimiter: string;
  /** LIST attributes, e.g. \Noselect, \HasChildren, \Sent. */
  flags: readonly string[];
}

export interface FolderPlan {
  sourcePath: string;
  /** Source name with "/" between segments, namespace prefix removed: what patterns and the map see. */
  sourceName: string;
  destPath: string;
  destName: string;
  specialUse?: SpecialUse;
  action: 'copy' | 'skip';
  reason?: 'noselect' | 'excluded' | 'gmail-virtual';
  /** Why the name changed beyond delimiter translation. */
  note?: string;
}

export interface PlanInput {
  source: readonly ListedFolder[];
  sourcePrefix?: string;
  destination: readonly ListedFolder[];
  destDelimiter: string;
  destPrefix?: string;
  include?: readonly string[];
  exclude?: readonly string[];
  folderMap?: Readonly<Record<string, string>>;
  includeGmailVirtual?: boolean;
}

const SPECIAL_USES: readonly SpecialUse[] = ['\\Sent', '\\Drafts', '\\Trash', '\\Junk', '\\Archive', '\\All', '\\Flagged', '\\Important'];

/** Well-known names (lower case) of special-use folders on servers without RFC 6154. */
const WELL_KNOWN: Record<string, SpecialUse> = {
  sent: '\\Sent',
  'sent items': '\\Sent',
  'sent messages': '\\Sent',
  'sent mail': '\\Sent',
  gesendet: '\\Sent',
  'gesendete objekte': '\\Sent',
  'gesendete elemente': '\\Sent',
  envoyés: '\\Sent',
  drafts: '\\Drafts',
  draft: '\\Drafts',
  entwürfe: '\\Drafts',
  brouillons: '\\Drafts',
  trash: '\\Trash',
  'deleted items': '\\Trash',
  'deleted messages': '\\Trash',
  bin: '\\Trash',
  papierkorb: '\\Trash',
  'gelöschte elemente': '\\Trash',
  corbeille: '\\Trash',
  junk: '\\Junk',
  spam: '\\Junk',
  'junk e-mail': '\\Junk',
  'junk email': '\\Junk',
  'bulk mail': '\\Junk',
  junkmail: '\\Junk',
  archive: '\\Archive',
  archives: '\\Archive',
  archiv: '\\Archive',
  'all mail': '\\All',
  starred: '\\Flagged',
  important: '\\Important',
};

/** Destination names used when the destination has no folder with the attribute. */
const DEFAULT_DEST_NAME: Partial<Record<SpecialUse, string>> = {
  '\\Sent': 'Sent',
  '\\Drafts': 'Drafts',
  '\\Trash': 'Trash',
  '\\Junk': 'Junk',
  '\\Archive': 'Archive',
};

const GMAIL_ROOT = /^\[(gmail|google mail)\]$/i;

export function specialUseOf(flags: readonly string[]): SpecialUse | undefined {
  const lower = new Set(flags.map((f) => f.toLowerCase()));
  return SPECIAL_USES.find((s) => lower.has(s.toLowerCase()));
}

/** Splits a path into segments, dropping the namespace prefix (e.g. Courier's "INBOX."). */
export function segmentsOf(path: string, delimiter: string, prefix = ''): string[] {
  let p = path;
  if (prefix && p.toUpperCase() !== 'INBOX' && p.startsWith(prefix)) p = p.slice(prefix.length);
  if (/^inbox$/i.test(p)) return ['INBOX'];
  const segs = delimiter ? p.split(delimiter) : [p];
  if (/^inbox$/i.test(segs[0])) segs[0] = 'INBOX';
  return segs;
}

function isNoselect(flags: readonly string[]): boolean {
  return flags.some((f) => /^\\(noselect|nonexistent)$/i.test(f));
}

export function planFolders(input: PlanInput): FolderPlan[] {
  const include = input.include ?? [];
  const exclude = input.exclude ?? [];
  const map = input.folderMap ?? {};
  const destDelim = input.destDelimiter || '/';
  const destPrefix = input.destPrefix ?? '';

  // destination special-use folders by attribute
  const destByUse = new Map<SpecialUse, string>();
  for (const f of input.destination) {
    const use = specialUseOf(f.flags);
    if (use && !destByUse.has(use)) destByUse.set(use, segmentsOf(f.path, f.delimiter, destPrefix).join('/'));
  }

  // pick one source folder per special use: the one with the RFC 6154 attribute wins over a name guess
  const sourceUse = new Map<string, SpecialUse>();
  const claimed = new Map<SpecialUse, { path: string; byAttribute: boolean }>();
  for (const f of input.source) {
    if (isNoselect(f.flags)) continue;
    const segs = segmentsOf(f.path, f.delimiter, input.sourcePrefix);
    const inGmail = segs.length === 2 && GMAIL_ROOT.test(segs[0]);
    const attr = specialUseOf(f.flags);
    const byName = segs.length === 1 || inGmail ? WELL_KNOWN[segs[segs.length - 1].toLowerCase()] : undefined;
    const use = attr ?? byName;
    if (!use) continue;
    const prev = claimed.get(use);
    if (!prev || (!prev.byAttribute && attr)) {
      if (prev) sourceUse.delete(prev.path);
      claimed.set(use, { path: f.path, byAttribute: !!attr });
      sourceUse.set(f.path, use);
    }
  }

  // folders given a new name (the rename map, a special use): their children follow that name
  const renamedTo = (sourceName: string, use: SpecialUse | undefined): string[] | undefined => {
    if (map[sourceName] !== undefined) return map[sourceName].split('/');
    if (use && (destByUse.has(use) || DEFAULT_DEST_NAME[use])) return (destByUse.get(use) ?? DEFAULT_DEST_NAME[use]!).split('/');
    return undefined;
  };
  const renamed = new Map<string, string[]>();
  for (const f of input.source) {
    const sourceName = segmentsOf(f.path, f.delimiter, input.sourcePrefix).join('/');
    const to = renamedTo(sourceName, sourceUse.get(f.path));
    if (to) renamed.set(sourceName, to);
  }

  const plans: FolderPlan[] = [];
  const destTaken = new Map<string, string>();
  for (const f of input.source) {
    const segs = segmentsOf(f.path, f.delimiter, input.sourcePrefix);
    const sourceName = segs.join('/');
    const use = sourceUse.get(f.path);
    let note: string | undefined;
    let destSegs: string[];
    const own = renamed.get(sourceName);
    if (own) {
      destSegs = own;
      if (map[sourceName] !== undefined) note = 'folder map';
    } else {
      // the nearest renamed ancestor (INBOX.Archiv → Archive takes INBOX.Archiv.Alt & Neu to Archive/Alt & Neu)
      let depth = segs.length - 1;
      while (depth > 0 && !renamed.has(segs.slice(0, depth).join('/'))) depth--;
      const parent = depth > 0 ? renamed.get(segs.slice(0, depth).join('/')) : undefined;
      const rest = parent ? segs.slice(depth) : segs.length > 1 && GMAIL_ROOT.test(segs[0]) ? segs.slice(1) : segs;
      if (parent) note = `follows its parent "${segs.slice(0, depth).join('/')}" to "${parent.join('/')}"`;
      // a segment holding the destination's delimiter would become a hierarchy there
      destSegs = [
        ...(parent ?? []),
        ...rest.map((s) => {
          if (destDelim && s.includes(destDelim)) {
            note = `"${destDelim}" in a name replaced by "_"`;
            return s.split(destDelim).join('_');
          }
          return s;
        }),
      ];
    }
    const destName = destSegs.join('/');
    const destPath = destName === 'INBOX' ? 'INBOX' : destPrefix + destSegs.join(destDelim);
    const plan: FolderPlan = { sourcePath: f.path, sourceName, destPath, destName, action: 'copy' };
    if (use) plan.specialUse = use;
    if (note) plan.note = note;
    if (isNoselect(f.flags)) {
      plan.action = 'skip';
      plan.reason = 'noselect';
    } else if (!isFolderSelected(sourceName, include, exclude)) {
      plan.action = 'skip';
      plan.reason = 'excluded';
    } else if (
      !input.includeGmailVirtual &&
      (use === '\\All' || use === '\\Important') &&
      (specialUseOf(f.flags) || GMAIL_ROOT.test(segs[0]))
    ) {
      plan.action = 'skip';
      plan.reason = 'gmail-virtual';
    }
    if (plan.action === 'copy') {
      const other = destTaken.get(destPath);
      if (other !== undefined) {
        // two source folders onto one destination folder: keep the second one apart
        plan.destName = `${destName}-${sourceName.split('/').join('-')}`;
        plan.destPath = destPrefix + plan.destName.split('/').join(destDelim);
        plan.note = `"${destName}" already receives "${other}"`;
      }
      destTaken.set(plan.destPath, sourceName);
    }
    plans.push(plan);
  }
  return plans;
}
