// `npm start`: the whole platform on one machine. Starts the real stack (stack/stack.sh) with its state
// in ./.postwerk (POSTWERK_HOME), migrates the database, seeds the demo tenant, runs the API with the
// portal and every queue worker in this process, and prints where to go. Ctrl-C stops everything it started.
import '../../platform/threadpool';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseEnvFile } from '../../platform/config';
import { REPO_ROOT } from '../../platform/paths';
import { seedDemo } from './seed-demo';
import {
  createServices,
  loadConfigOrExit,
  onShutdown,
  prepareDatabase,
  startApi,
  startSmtp,
  startSubmissionListeners,
  startWorkers,
} from './run';

// the repository, whether this runs from the sources or from the compiled build/
const ROOT = REPO_ROOT;

function stack(home: string, ...args: string[]): void {
  const r = spawnSync('bash', [path.join(ROOT, 'stack/stack.sh'), ...args], {
    stdio: 'inherit',
    env: { ...process.env, POSTWERK_HOME: home },
  });
  if (r.status !== 0) throw new Error(`stack/stack.sh ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

async function main() {
  // The stack decides the default state folder (./.postwerk, or /var/lib/postwerk/… when the servers'
  // packaged users cannot reach the repository); asking it keeps that rule in one place.
  const home = path.resolve(
    process.env.POSTWERK_HOME ?? execFileSync('bash', [path.join(ROOT, 'stack/stack.sh'), 'home'], { encoding: 'utf8' }).trim(),
  );
  stack(home, 'up');
  const stackEnv = parseEnvFile(fs.readFileSync(path.join(home, 'stack.env'), 'utf8'));
  // What the stack says where its servers listen wins over defaults; explicit settings of the caller win over both.
  // The demo's staff sign in with a password alone, so that the printed logins work at once: no role must
  // have a second factor here unless the caller says so (production's default is operator,support; the
  // portal then sends such a user to its enrolment page after sign-in).
  const config = loadConfigOrExit({ POSTWERK_2FA_REQUIRED_ROLES: 'none', ...stackEnv, ...process.env, POSTWERK_HOME: home });
  const services = createServices(config);
  let stopped = false;
  const stopAll = async (server?: import('node:http').Server, workers: Array<{ close(): Promise<void> }> = []) => {
    if (stopped) return;
    stopped = true;
    if (server) await new Promise((r) => server.close(r));
    await Promise.all(workers.map((w) => w.close()));
    await services.close();
    stack(home, 'down');
  };
  try {
    await prepareDatabase(services);
    const demo = await seedDemo(services);
    const server = await startApi(services);
    const workers = await startWorkers(services);
    const smtp = await startSmtp(services);
    const submission = await startSubmissionListeners(services);
    onShutdown(() => stopAll(server, [smtp, submission, ...workers]));
    const url = config.api.publicUrl;
    const lines = [
      '',
      'Postwerk is running.',
      `  Portal:   ${url}/`,
      `  API:      ${url}/api/v1   (OpenAPI: ${url}/api/v1/openapi.json, readiness: ${url}/readyz)`,
      `  IMAP:     ${config.dovecot.imapHost}:${config.dovecot.imapPort} (plain, loopback only)   LMTP: ${config.dovecot.lmtpHost}:${config.dovecot.lmtpPort}`,
      `  SMTP:     ${smtp.host}:${smtp.port} (inbound mail for the platform's domains; STARTTLS)`,
      `  Submission: ${submission.host}:${submission.port} (STARTTLS, then AUTH)   implicit TLS: ${submission.host}:${submission.tlsPort}`,
      `  Outbound: ${config.outbound.smarthost ? `smarthost ${config.outbound.smarthost.host}:${config.outbound.smarthost.port}` : config.outbound.delivery === 'mx' ? 'MX lookup' : 'no smarthost configured (POSTWERK_SMARTHOST_HOST): mail to other domains waits in the queue'}`,
      `  State:    ${home}`,
      '',
      'Demo logins (portal):',
      ...demo.staff.map((s) => `  ${s.role.padEnd(19)} ${s.email.padEnd(36)} ${s.password}`),
      'Demo mailboxes (IMAP):',
      ...demo.accounts.map((m) => `  ${m.address.padEnd(56)} ${m.password}`),
      '',
      'Ctrl-C stops everything.',
      '',
    ];
    process.stdout.write(lines.join('\n'));
  } catch (e) {
    await stopAll().catch(() => undefined);
    throw e;
  }
}

main().catch((e) => {
  process.stderr.write(`postwerk: ${(e as Error).message}\n`);
  process.exit(1);
});
