import { Client, InvalidCredentialsError, NoSuchObjectError, ResultCodeError, escapeFilter, FilterParser } from 'ldapts';
import type { Entry } from 'ldapts';
import { AppError } from '../../platform/errors';
import { LDAP_CONNECT_TIMEOUT_MS, LDAP_OPERATION_TIMEOUT_MS, LDAP_PAGE_SIZE, MAX_ALIASES_PER_ENTRY, MAX_GROUP_DEPTH } from '../limits';
import type { DirectorySettings } from '../shared/settings';

/**
 * The directory as the module sees it: connect (ldap, ldaps, StartTLS with a configured CA), bind,
 * paged searches of the configured users, nested group membership, and one entry mapped to what an
 * account needs. Every value put into a filter goes through ldapts's own escaping (`escapeFilter`,
 * RFC 4515); the configured user filter is parsed once, so a broken one is bad input, not a search error.
 */

/** Why a directory operation failed, as the sync status and the API say it. */
export type DirectoryFault = 'unreachable' | 'bind_failed' | 'base_dn_missing' | 'search_failed';

export const directoryError = (fault: DirectoryFault, message: string, cause?: unknown) =>
  new AppError(fault === 'unreachable' ? 'unavailable' : 'unprocessable', message, { directoryStatus: fault }, { cause });

/** An entry mapped by the connection's attribute mapping. */
export interface DirectoryUser {
  dn: string;
  /** entryUUID, or objectGUID as its canonical text form */
  stableId: string | null;
  mail: string | null;
  displayName: string;
  aliases: string[];
  enabled: boolean;
  login: string | null;
}

export interface DirectorySession {
  client: Client;
  close(): Promise<void>;
}

function connectionFault(e: unknown, url: string): AppError {
  if (e instanceof AppError) return e;
  if (e instanceof InvalidCredentialsError)
    return directoryError('bind_failed', 'the directory refused the bind DN and password (LDAP 49, invalid credentials)', e);
  if (e instanceof ResultCodeError)
    return directoryError('bind_failed', `the directory refused the bind: ${e.message} (LDAP ${e.code})`, e);
  const err = e as NodeJS.ErrnoException;
  return directoryError('unreachable', `the directory at ${url} is unreachable: ${err.code ?? err.message}`, e);
}

/** Connects and binds with the given DN and password; the caller closes the session in `finally`. */
export async function openSession(
  s: Pick<DirectorySettings, 'url' | 'startTls' | 'caPem'>,
  bindDn: string,
  password: string,
): Promise<DirectorySession> {
  const tlsOptions = s.caPem ? { ca: [s.caPem] } : undefined;
  const client = new Client({ url: s.url, connectTimeout: LDAP_CONNECT_TIMEOUT_MS, timeout: LDAP_OPERATION_TIMEOUT_MS, tlsOptions });
  // a client whose connect or bind failed still keeps Node alive until unbound (STACK-NOTES.md)
  const close = () => client.unbind().catch(() => undefined);
  try {
    if (s.startTls) await client.startTLS(tlsOptions ?? {});
    // an empty password is an "unauthenticated bind" (RFC 4513 5.1.2) that many servers accept: never send one
    if (!password) throw directoryError('bind_failed', 'an empty password is not a bind');
    await client.bind(bindDn, password);
  } catch (e) {
    await close();
    throw connectionFault(e, s.url);
  }
  return { client, close };
}

function searchFault(e: unknown, baseDn: string): AppError {
  if (e instanceof AppError) return e;
  if (e instanceof NoSuchObjectError)
    return directoryError('base_dn_missing', `the base DN ${baseDn} does not exist in the directory (LDAP 32)`, e);
  if (e instanceof ResultCodeError)
    return directoryError('search_failed', `the directory refused the search: ${e.message} (LDAP ${e.code})`, e);
  const err = e as NodeJS.ErrnoException;
  return directoryError('unreachable', `the directory stopped answering: ${err.code ?? err.message}`, e);
}

/** Refuses a user filter that does not parse (bad input at configuration time, not a failing sync). */
export function assertFilter(filter: string): void {
  try {
    FilterParser.parseString(filter);
  } catch (e) {
    throw new AppError('validation_failed', `the user filter does not parse: ${(e as Error).message}`, [
      { path: 'userFilter', message: 'not an LDAP filter (RFC 4515)' },
    ]);
  }
}

const AD_IN_CHAIN = '1.2.840.113556.1.4.1941';

/** The filter of the configured users: the user filter, and with in-chain groups AD's transitive memberOf. */
export function usersFilter(s: DirectorySettings, extra?: string): string {
  const parts = [s.userFilter.startsWith('(') ? s.userFilter : `(${s.userFilter})`];
  if (s.groupDn && s.groupMode === 'in-chain') parts.push(escapeFilter`(memberOf:${AD_IN_CHAIN}:=${s.groupDn})`);
  if (extra) parts.push(extra);
  return parts.length === 1 ? parts[0]! : `(&${parts.join('')})`;
}

function attributesOf(s: DirectorySettings): string[] {
  const a = new Set([s.idAttribute, s.mailAttribute, s.nameAttribute, s.loginAttribute]);
  if (s.aliasAttribute) a.add(s.aliasAttribute);
  if (s.enabledMode === 'ad') a.add('userAccountControl');
  if (s.enabledMode === 'attribute' && s.enabledAttribute) a.add(s.enabledAttribute);
  return [...a];
}

/** Pages of the configured users (Simple Paged Results), mapped; memory holds one page at a time. */
export async function* searchUsers(
  session: DirectorySession,
  s: DirectorySettings,
  opts: { filter?: string; pageSize?: number; sizeLimit?: number } = {},
): AsyncGenerator<DirectoryUser[]> {
  const binary = s.idAttribute.toLowerCase() === 'objectguid' ? [s.idAttribute] : [];
  try {
    const pages = session.client.searchPaginated(s.baseDn, {
      scope: 'sub',
      filter: usersFilter(s, opts.filter),
      attributes: attributesOf(s),
      explicitBufferAttributes: binary,
      paged: { pageSize: opts.pageSize ?? LDAP_PAGE_SIZE },
      ...(opts.sizeLimit ? { sizeLimit: opts.sizeLimit } : {}),
    });
    for await (const page of pages) yield page.searchEntries.map((e) => mapEntry(e, s));
  } catch (e) {
    throw searchFault(e, s.baseDn);
  }
}

/** Counts the configured users (one paged pass, nothing kept). */
export async function countUsers(session: DirectorySession, s: DirectorySettings): Promise<number> {
  let n = 0;
  for await (const page of searchUsers(session, s)) n += page.length;
  return n;
}

const first = (v: Entry[string] | undefined): string | null => {
  const x = Array.isArray(v) ? v[0] : v;
  return x === undefined ? null : Buffer.isBuffer(x) ? x.toString('utf8') : String(x);
};
const all = (v: Entry[string] | undefined): string[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));

/** objectGUID's 16 bytes as AD prints them (the first three groups little-endian). */
export function guidText(b: Buffer): string {
  const h = (i: number, n: number, le: boolean) => {
    const part = b.subarray(i, i + n);
    return Buffer.from(le ? [...part].reverse() : part).toString('hex');
  };
  return `${h(0, 4, true)}-${h(4, 2, true)}-${h(6, 2, true)}-${h(8, 2, false)}-${h(10, 6, false)}`;
}

/** proxyAddresses (`SMTP:` primary, `smtp:` others, other types ignored) or plain addresses (mailAlternateAddress). */
export function parseAliasValues(values: string[]): { primary: string | null; aliases: string[] } {
  let primary: string | null = null;
  const aliases: string[] = [];
  for (const v of values) {
    const m = /^([A-Za-z0-9]+):(.*)$/.exec(v);
    if (m) {
      if (m[1]!.toLowerCase() !== 'smtp') continue; // X500:, SIP:, X400: are not mail addresses
      if (m[1] === 'SMTP') primary = m[2]!.trim().toLowerCase();
      else aliases.push(m[2]!.trim().toLowerCase());
    } else if (v.includes('@')) aliases.push(v.trim().toLowerCase());
  }
  return { primary, aliases };
}

export function mapEntry(e: Entry, s: DirectorySettings): DirectoryUser {
  const idValue = e[s.idAttribute];
  const rawId = Array.isArray(idValue) ? idValue[0] : idValue;
  const stableId =
    rawId === undefined
      ? null
      : Buffer.isBuffer(rawId)
        ? rawId.length === 16
          ? guidText(rawId)
          : rawId.toString('hex')
        : String(rawId).toLowerCase();
  const fromAliases = s.aliasAttribute ? parseAliasValues(all(e[s.aliasAttribute])) : { primary: null, aliases: [] };
  const mail = (first(e[s.mailAttribute]) ?? fromAliases.primary)?.trim().toLowerCase() || null;
  const aliases = [...new Set(fromAliases.aliases.filter((a) => a !== mail))].sort().slice(0, MAX_ALIASES_PER_ENTRY);
  let enabled = true;
  if (s.enabledMode === 'ad')
    enabled = (Number(first(e.userAccountControl) ?? 0) & 2) === 0; // ACCOUNTDISABLE
  else if (s.enabledMode === 'attribute' && s.enabledAttribute) {
    const values = all(e[s.enabledAttribute]).map((v) => v.toLowerCase());
    enabled = !values.some((v) => s.disabledValues.includes(v));
  }
  return {
    dn: e.dn,
    stableId,
    mail,
    displayName: (first(e[s.nameAttribute]) ?? '').trim(),
    aliases,
    enabled,
    login: first(e[s.loginAttribute]),
  };
}

/** A DN compared as text: lower case, no blanks around separators (enough for DNs the server itself returns). */
export const normDn = (dn: string): string => dn.toLowerCase().replace(/\s*([,=+])\s*/g, '$1');

const GROUP_CLASSES = '(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=group))';

/**
 * The members of the group and of its nested groups (for servers without AD's in-chain rule): every
 * group under the base DN in one paged pass, then a walk from the group down to MAX_GROUP_DEPTH.
 */
export async function groupMembers(session: DirectorySession, s: DirectorySettings): Promise<Set<string>> {
  const groups = new Map<string, string[]>();
  try {
    for await (const page of session.client.searchPaginated(s.baseDn, {
      scope: 'sub',
      filter: GROUP_CLASSES,
      attributes: ['member', 'uniqueMember'],
      paged: { pageSize: LDAP_PAGE_SIZE },
    }))
      for (const g of page.searchEntries) groups.set(normDn(g.dn), [...all(g.member), ...all(g.uniqueMember)].map(normDn));
  } catch (e) {
    throw searchFault(e, s.baseDn);
  }
  const root = normDn(s.groupDn!);
  if (!groups.has(root)) throw directoryError('search_failed', `the group ${s.groupDn} is not a group under ${s.baseDn}`);
  const members = new Set<string>();
  const seen = new Set<string>([root]);
  let level = [root];
  for (let depth = 0; level.length && depth < MAX_GROUP_DEPTH; depth++) {
    const next: string[] = [];
    for (const g of level)
      for (const m of groups.get(g) ?? []) {
        if (!groups.has(m)) members.add(m);
        else if (!seen.has(m)) {
          seen.add(m);
          next.push(m);
        }
      }
    level = next;
  }
  return members;
}

/** One user found by an attribute's exact value (escaped: `*)(uid=*` is a value, not filter syntax). */
export async function findUserBy(
  session: DirectorySession,
  s: DirectorySettings,
  attribute: string,
  value: string | Buffer,
): Promise<DirectoryUser[]> {
  const out: DirectoryUser[] = [];
  const filter = `(${attribute}=${escapeFilter`${value}`})`;
  for await (const page of searchUsers(session, s, { filter, sizeLimit: 2 })) out.push(...page);
  return out;
}
