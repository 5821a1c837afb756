import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { systemActor, type Role } from '../../platform/actor';
import { appendAudit } from '../../platform/audit';
import { withActor, type Services } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { hashPassword, passwordProblem } from '../../platform/passwords';
import { AppError } from '../../platform/errors';
import { deliverLmtp } from '../../platform/mail/lmtp';
import { findAccountByAddress } from '../../tenancy/repositories/accounts';
import { findDomainByName } from '../../tenancy/repositories/domains';
import { findStaffByEmail, updateStaff } from '../../tenancy/repositories/staff';
import { findTenantBySlug } from '../../tenancy/repositories/tenants';
import { changeAccountPassword } from '../../tenancy/use-cases/change-account-password';
import { createAccount } from '../../quotas/use-cases/create-account';
import { createDomain } from '../../tenancy/use-cases/create-domain';
import { createStaffUser } from '../../tenancy/use-cases/create-staff-user';
import { createTenant } from '../../tenancy/use-cases/create-tenant';

/**
 * The demo that `npm start` shows: tenant "Demo GmbH" with three mailboxes holding a few messages, and
 * one staff user per role. Idempotent: a second run reuses what exists and the passwords kept in
 * `${home}/demo-credentials.json` (0600). A password that is not in the file (the file was deleted) is
 * generated again and set, so the printed credentials always work. Messages are delivered over LMTP
 * only to mailboxes this seed created (first seed); the file keeps the ones still waiting, so a
 * delivery that failed (Dovecot not up yet) is made by the next run.
 */
export const DEMO = {
  slug: 'demo',
  name: 'Demo GmbH',
  domain: 'demo.postwerk.test',
  poolBytes: 10 * 1024 ** 3,
  defaultAllocationBytes: 1024 ** 3,
  accounts: [
    { local: 'alice', name: 'Alice Andersen' },
    { local: 'bob', name: 'Bob Brandt' },
    { local: 'carol', name: 'Carol Czerny' },
  ],
  staff: [
    { role: 'operator', email: 'operator@postwerk.test', name: 'Olivia Operator' },
    { role: 'tenant_admin', email: 'admin@demo.postwerk.test', name: 'Adam Admin' },
    { role: 'migration_engineer', email: 'migration@postwerk.test', name: 'Mia Migration' },
    { role: 'support', email: 'support@postwerk.test', name: 'Sam Support' },
  ] as Array<{ role: Role; email: string; name: string }>,
} as const;

export interface DemoCredentials {
  file: string;
  tenant: { id: string; slug: string; name: string; domain: string };
  staff: Array<{ role: Role; email: string; password: string }>;
  accounts: Array<{ address: string; password: string }>;
}

interface CredentialsFile {
  staff: Record<string, string>;
  accounts: Record<string, string>;
  /** mailboxes created by the seed that still wait for their demo messages (kept for a retry if Dovecot was down) */
  mailPending: string[];
}

const CREDENTIALS_FILE = 'demo-credentials.json';

/** 18 random bytes: 24 characters, far beyond every strength rule, and never a common word. */
/**
 * A random demo password that the password rules accept for this user: 24 random characters can, rarely,
 * contain a name of three letters (Mia, Sam, Bob …), which the rules refuse; such a draw is drawn again.
 */
const newPassword = (context: string[]): string => {
  for (;;) {
    const password = `Demo-${randomBytes(18).toString('base64url')}`;
    if (!passwordProblem(password, context)) return password;
  }
};
const staffContext = (s: { email: string; name: string }) => [s.email.split('@')[0]!, ...s.name.split(/\s+/)];
const accountContext = (a: { local: string; name: string }) => [a.local, ...a.local.split(/[._+-]/), ...a.name.split(/\s+/)];

export async function seedDemo(services: Services): Promise<DemoCredentials> {
  const ctx = withActor(services, systemActor('seed-demo'));
  const file = path.join(services.config.home, CREDENTIALS_FILE);
  const saved = readCredentials(file);
  const save = () => writeCredentials(file, saved);

  let tenant = await findTenantBySlug(services.db, DEMO.slug);
  const tenantId =
    tenant?.id ??
    (
      await createTenant(ctx, {
        slug: DEMO.slug,
        name: DEMO.name,
        poolBytes: DEMO.poolBytes,
        defaultAllocationBytes: DEMO.defaultAllocationBytes,
      })
    ).id;
  tenant = (await findTenantBySlug(services.db, DEMO.slug))!;
  if (!(await findDomainByName(services.db, DEMO.domain))) await createDomain(ctx, tenantId, { name: DEMO.domain });

  for (const s of DEMO.staff) {
    const existing = await findStaffByEmail(services.db, s.email);
    if (!existing) {
      const password = newPassword(staffContext(s));
      await createStaffUser(ctx, {
        email: s.email,
        name: s.name,
        role: s.role,
        tenantId: s.role === 'tenant_admin' ? tenantId : null,
        password,
      });
      saved.staff[s.email] = password;
    } else if (!saved.staff[s.email]) {
      saved.staff[s.email] = await resetStaffPassword(services, existing.id, s);
    }
    save();
  }

  for (const a of DEMO.accounts) {
    const address = `${a.local}@${DEMO.domain}`;
    const existing = await findAccountByAddress(services.db, address);
    if (!existing) {
      const password = newPassword(accountContext(a));
      await createAccount(ctx, tenantId, { address, password, displayName: a.name });
      saved.accounts[address] = password;
      saved.mailPending.push(address);
    } else if (!saved.accounts[address]) {
      const password = newPassword(accountContext(a));
      await changeAccountPassword(ctx, tenantId, existing.id, { password });
      saved.accounts[address] = password;
    }
    save();
  }

  for (const a of DEMO.accounts) {
    const address = `${a.local}@${DEMO.domain}`;
    if (!saved.mailPending.includes(address)) continue;
    for (const raw of demoMessages(a.local, a.name)) {
      const result = await deliverLmtp(services.config.dovecot, { from: raw.from, to: [address] }, raw.body);
      if (result.rejected.length)
        throw new AppError('unavailable', `demo mail to ${address} refused by Dovecot: ${result.rejected[0]!.response}`);
    }
    saved.mailPending = saved.mailPending.filter((x) => x !== address);
    save();
  }

  return {
    file,
    tenant: { id: tenantId, slug: tenant.slug, name: tenant.name, domain: DEMO.domain },
    staff: DEMO.staff.map((s) => ({ role: s.role, email: s.email, password: saved.staff[s.email]! })),
    accounts: DEMO.accounts.map((a) => ({ address: `${a.local}@${DEMO.domain}`, password: saved.accounts[`${a.local}@${DEMO.domain}`]! })),
  };
}

async function resetStaffPassword(services: Services, staffId: string, staff: { email: string; name: string }): Promise<string> {
  const { email } = staff;
  const password = newPassword(staffContext(staff));
  const hash = await hashPassword(password, services.config.passwordCost);
  await inTransaction(services.db, async ({ trx }) => {
    await updateStaff(trx, staffId, { password_hash: hash, updated_at: nowIso() });
    await appendAudit(trx, systemActor('seed-demo'), {
      action: 'staff.password_reset',
      target: { type: 'staff', id: staffId },
      after: { email, passwordChanged: true },
    });
  });
  return password;
}

function readCredentials(file: string): CredentialsFile {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<CredentialsFile>;
    return { staff: parsed.staff ?? {}, accounts: parsed.accounts ?? {}, mailPending: parsed.mailPending ?? [] };
  } catch {
    return { staff: {}, accounts: {}, mailPending: [] };
  }
}

function writeCredentials(file: string, c: CredentialsFile): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(c, null, 2) + '\n', { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

/** A few realistic messages per mailbox: a welcome, a colleague's note, a newsletter. */
export function demoMessages(local: string, name: string): Array<{ from: string; body: Buffer }> {
  const to = `${name} <${local}@${DEMO.domain}>`;
  const day = (n: number) => new Date(Date.now() - n * 86400_000).toUTCString();
  const id = () => `<${randomBytes(8).toString('hex')}@demo.postwerk.test>`;
  const colleague = local === 'alice' ? 'Bob Brandt <bob@demo.postwerk.test>' : 'Alice Andersen <alice@demo.postwerk.test>';
  const msg = (from: string, subject: string, date: string, text: string, extra = '') =>
    Buffer.from(
      [
        `From: ${from}`,
        `To: ${to}`,
        `Subject: ${subject}`,
        `Date: ${date}`,
        `Message-ID: ${id()}`,
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        ...(extra ? [extra] : []),
        '',
        text,
        '',
      ].join('\r\n'),
    );
  return [
    {
      from: 'it@demo.postwerk.test',
      body: msg(
        'Demo GmbH IT <it@demo.postwerk.test>',
        'Willkommen bei Demo GmbH – your new mailbox',
        day(3),
        `Hello ${name.split(' ')[0]},\r\n\r\nyour mailbox ${local}@${DEMO.domain} is ready. It holds 1 GiB; the portal shows how much is used.\r\n\r\nGrüße,\r\nIT`,
      ),
    },
    {
      from: colleague.replace(/.*<(.*)>/, '$1'),
      body: msg(
        colleague,
        'Quarterly planning – agenda for Thursday',
        day(1),
        'Hi,\r\n\r\nhere is the agenda:\r\n1. Q3 review\r\n2. Mailbox migration timeline\r\n3. Budget\r\n\r\nSee you Thursday at 10:00.',
      ),
    },
    {
      from: 'newsletter@example.org',
      body: msg(
        'Example Weekly <newsletter@example.org>',
        'This week: 5 tips for a tidy inbox',
        day(0),
        'Tip 1: archive instead of deleting.\r\nTip 2: use folders sparingly.\r\n…',
        'List-Unsubscribe: <mailto:unsubscribe@example.org>',
      ),
    },
  ];
}
