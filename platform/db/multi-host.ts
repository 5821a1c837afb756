import pg from 'pg';

/**
 * A PostgreSQL URL naming several hosts, as libpq takes it (node-postgres does not):
 * `postgres://user:pw@db1:5432,db2:5432,db3/postwerk?target_session_attrs=read-write`. Each new pool
 * connection tries the hosts in order and takes the first that accepts a session and, unless
 * `target_session_attrs=any`, is not read-only (`SHOW transaction_read_only`): after a failover to the
 * replica, new connections find the new primary by themselves. Null for a URL with one host.
 */
export interface MultiHostUrl {
  hosts: Array<{ host: string; port: number }>;
  /** the URL of one host: the same user, password, database and parameters */
  forHost(h: { host: string; port: number }): string;
  readWrite: boolean;
}

/** How long one host may take to accept a connection before the next one is tried. */
const HOST_CONNECT_TIMEOUT_MS = 3_000;

export function parseMultiHostUrl(url: string): MultiHostUrl | null {
  const m = /^(postgres(?:ql)?:\/\/)(?:([^@/]*)@)?([^/?#]+)(.*)$/.exec(url);
  if (!m || !m[3]!.includes(',')) return null;
  const [, scheme, auth, hostList, rest] = m as unknown as [string, string, string | undefined, string, string];
  const hosts = hostList.split(',').map((h) => {
    const i = h.lastIndexOf(':');
    return i > 0 && !h.endsWith(']') ? { host: h.slice(0, i), port: Number(h.slice(i + 1)) } : { host: h, port: 5432 };
  });
  const attrs = /[?&]target_session_attrs=([^&#]+)/.exec(rest)?.[1] ?? 'read-write';
  // node-postgres does not know the parameter: take it off the per-host URL
  const cleaned = rest.replace(/([?&])target_session_attrs=[^&#]*&?/, '$1').replace(/[?&]$/, '');
  return {
    hosts,
    readWrite: attrs !== 'any',
    forHost: (h) => `${scheme}${auth ? `${auth}@` : ''}${h.host}:${h.port}${cleaned}`,
  };
}

/** The first host's URL that answers (and is writable, when asked); throws naming every host's error. */
export async function pickHost(multi: MultiHostUrl): Promise<string> {
  const problems: string[] = [];
  for (const h of multi.hosts) {
    const url = multi.forHost(h);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: HOST_CONNECT_TIMEOUT_MS });
    client.on('error', () => undefined);
    try {
      await client.connect();
      if (multi.readWrite) {
        const r = await client.query<{ transaction_read_only: string }>('SHOW transaction_read_only');
        if (r.rows[0]?.transaction_read_only === 'on') {
          problems.push(`${h.host}:${h.port}: read-only (a replica)`);
          continue;
        }
      }
      return url;
    } catch (e) {
      problems.push(`${h.host}:${h.port}: ${(e as Error).message}`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw new Error(`no PostgreSQL host took a ${multi.readWrite ? 'read-write ' : ''}session: ${problems.join('; ')}`);
}
