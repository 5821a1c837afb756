// `npm run bench -- directory`: a directory of BENCH_ENTRIES (default 50,000) users, seeded into the
// bench's own slapd by ldapadd of a generated LDIF, then a sync preview and its apply (one transaction)
// on SQLite, with the process's peak RSS sampled throughout. Last line:
//   directory: <n> entries/s preview, <n> entries/s apply, peak RSS <MB> MB
// Memory should stay flat in the directory's size: the searches are paged (500 entries a page) and the
// plan holds a page at a time plus the set of ids and addresses seen.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { cliActor } from '../platform/actor';
import { loadConfig, parseEnvFile } from '../platform/config';
import { withActor } from '../platform/context';
import { migrateLatest } from '../platform/db';
import { createServices } from '../control-plane/services';
import { createDomain } from '../tenancy/use-cases/create-domain';
import { createTenant } from '../tenancy/use-cases/create-tenant';
import { setConnection } from '../directory/use-cases/set-connection';
import { previewSync } from '../directory/use-cases/preview-sync';
import { applySync } from '../directory/use-cases/apply-sync';

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 50_000);
const ROOT = path.resolve(__dirname, '..');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function main() {
  const home = mkdtempSync(path.join(os.tmpdir(), 'pwb-dir-'));
  chmodSync(home, 0o755);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    POSTWERK_HOME: home,
    POSTWERK_DB_CLIENT: 'sqlite',
    POSTWERK_IMAP_PORT: String(await freePort()),
    POSTWERK_LMTP_PORT: String(await freePort()),
    POSTWERK_DOVEADM_PORT: String(await freePort()),
    POSTWERK_REDIS_PORT: String(await freePort()),
    POSTWERK_LDAP_PORT: String(await freePort()),
    POSTWERK_REDIS_PERSIST: 'no',
  };
  process.stderr.write(`starting a stack in ${home}\n`);
  const stack = (cmd: string, ...a: string[]) =>
    execFileSync('bash', [path.join(ROOT, 'stack/stack.sh'), cmd, ...a], { env, stdio: ['ignore', 2, 2] });
  stack('up', 'redis', 'slapd', 'dovecot');
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  try {
    const stackEnv = parseEnvFile(readFileSync(path.join(home, 'stack.env'), 'utf8'));
    Object.assign(process.env, env, stackEnv, { POSTWERK_LOG_LEVEL: 'silent' });
    const config = loadConfig(process.env);
    const services = createServices({ ...config, passwordCost: 4 });
    await migrateLatest(services.db);
    const ctx = withActor(services, cliActor());
    const tenant = await createTenant(ctx, { slug: 'bench', name: 'Bench', poolBytes: 2 ** 50, defaultAllocationBytes: 1024 ** 2 });
    const domain = (await createDomain(ctx, tenant.id, { name: 'bench.test' })).name;
    const l = config.ldap!;
    const ou = `ou=bench,${l.baseDn}`;
    const ldif = [`dn: ${ou}\nobjectClass: organizationalUnit\nou: bench\n`];
    for (let i = 0; i < ENTRIES; i++)
      ldif.push(
        `dn: uid=b${i},${ou}\nobjectClass: inetOrgPerson\nobjectClass: postwerkMailUser\nuid: b${i}\ncn: Bench ${i}\nsn: ${i}\n` +
          `displayName: Bench User ${i}\nmail: b${i}@${domain}\nproxyAddresses: SMTP:b${i}@${domain}\nproxyAddresses: smtp:b${i}.alias@${domain}\n` +
          `userAccountControl: 512\n`,
      );
    const file = path.join(home, 'bench.ldif');
    writeFileSync(file, ldif.join('\n'));
    ldif.length = 0;
    let t = Date.now();
    execFileSync('ldapadd', ['-x', '-c', '-H', l.url, '-D', l.bindDn, '-w', l.bindPassword, '-f', file], {
      stdio: ['ignore', 'ignore', 2],
    });
    process.stderr.write(`seeded ${ENTRIES} entries in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
    await setConnection(ctx, tenant.id, {
      url: l.url,
      bindDn: l.bindDn,
      bindPassword: l.bindPassword,
      baseDn: ou,
      aliasAttribute: 'proxyAddresses',
      enabledMode: 'ad',
    });
    const rssBefore = process.memoryUsage().rss;
    peak = rssBefore;
    t = Date.now();
    const preview = await previewSync(ctx, tenant.id);
    const previewS = (Date.now() - t) / 1000;
    const rssPreview = peak;
    process.stderr.write(
      `preview: ${JSON.stringify(preview.counts)} in ${previewS.toFixed(1)} s, peak RSS ${(rssPreview / 2 ** 20).toFixed(0)} MB\n`,
    );
    t = Date.now();
    const applied = await applySync(ctx, tenant.id, { digest: preview.digest });
    const applyS = (Date.now() - t) / 1000;
    process.stderr.write(`apply: ${JSON.stringify(applied.counts)} in ${applyS.toFixed(1)} s\n`);
    const accounts = Number((await services.db('accounts').where({ tenant_id: tenant.id }).count({ n: '*' }).first())!.n);
    process.stderr.write(`accounts: ${accounts}; RSS before the sync ${(rssBefore / 2 ** 20).toFixed(0)} MB\n`);
    await services.close();
    console.log(
      `directory: ${Math.round(ENTRIES / previewS)} entries/s preview, ${Math.round(ENTRIES / applyS)} entries/s apply, peak RSS ${Math.round(peak / 2 ** 20)} MB`,
    );
  } finally {
    clearInterval(sampler);
    stack('down');
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
