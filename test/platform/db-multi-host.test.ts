import net from 'node:net';
import { loadConfig } from '../../platform/config';
import { createDb } from '../../platform/db';
import { parseMultiHostUrl } from '../../platform/db/multi-host';

/**
 * POSTWERK_DATABASE_URL with several hosts (platform/db/multi-host.ts), against the stack's PostgreSQL:
 * a host that refuses connections first, then the real one; the database is reached through the
 * second. (Both test runs have the stack's PostgreSQL: the SQLite run too.)
 */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

test('a multi-host PostgreSQL URL connects to the first host that takes a read-write session', async () => {
  const url = new URL(process.env.POSTWERK_DATABASE_URL!);
  const dead = await closedPort();
  const multi = `postgres://${url.username}:${url.password}@127.0.0.1:${dead},${url.hostname}:${url.port}${url.pathname}?target_session_attrs=read-write`;
  const parsed = parseMultiHostUrl(multi)!;
  expect(parsed.hosts).toEqual([
    { host: '127.0.0.1', port: dead },
    { host: url.hostname, port: Number(url.port) },
  ]);
  expect(parsed.forHost(parsed.hosts[1]!)).toBe(`postgres://${url.username}:${url.password}@${url.hostname}:${url.port}${url.pathname}`);
  const config = loadConfig({ ...process.env, POSTWERK_DB_CLIENT: 'postgres', POSTWERK_DATABASE_URL: multi, POSTWERK_LOG_LEVEL: 'silent' });
  const db = createDb(config);
  try {
    const r = await db.raw('SELECT inet_server_port() AS port, current_setting(?) AS ro', ['transaction_read_only']);
    expect(r.rows[0]).toEqual({ port: Number(url.port), ro: 'off' });
  } finally {
    await db.destroy();
  }
  // every host down: the error names each
  const none = createDb({
    db: { client: 'postgres', url: `postgres://u:p@127.0.0.1:${dead},127.0.0.1:${await closedPort()}/x`, poolMax: 1 },
  });
  try {
    await expect(none.raw('SELECT 1')).rejects.toThrow(
      /no PostgreSQL host took a read-write session: 127\.0\.0\.1:\d+: .*; 127\.0\.0\.1:\d+: /,
    );
  } finally {
    await none.destroy();
  }
});
