import { Resolver } from 'node:dns/promises';
import type { Config } from './config';

/**
 * The platform's own DNS lookups (domain ownership TXT records) through node's resolver, pointed at
 * `POSTWERK_DNS_SERVERS` when set (a test starts its own DNS server) and at the machine's resolvers
 * otherwise. Not found is a value: a missing name or a name without TXT records answers `found: false`
 * with the reason; only the caller decides whether that is an error.
 */
export type TxtAnswer =
  { found: true; records: string[] } | { found: false; reason: 'no_such_name' | 'no_txt_records' | 'lookup_failed'; message: string };

export interface TxtLookupOptions {
  timeoutMs: number;
  tries: number;
}

export async function lookupTxt(dns: Config['dns'], name: string, opts: TxtLookupOptions): Promise<TxtAnswer> {
  const resolver = new Resolver({ timeout: opts.timeoutMs, tries: opts.tries });
  if (dns.servers) resolver.setServers(dns.servers);
  try {
    // each record is a list of strings of at most 255 characters (RFC 1035 3.3.14); one record is their concatenation
    const records = (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
    return { found: true, records };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND') return { found: false, reason: 'no_such_name', message: `${name} does not exist in DNS (NXDOMAIN)` };
    if (code === 'ENODATA') return { found: false, reason: 'no_txt_records', message: `${name} has no TXT records` };
    return { found: false, reason: 'lookup_failed', message: `DNS lookup of ${name} failed: ${code ?? (e as Error).message}` };
  } finally {
    resolver.cancel();
  }
}
