import { ImapFlow } from 'imapflow';
import type { Db } from '../../platform/db';
import { masterLogin, connectPlatformImap } from '../../platform/mail/imap';
import { deliverLmtp } from '../../platform/mail/lmtp';
import { DoveadmClient } from '../../platform/mail/doveadm';
import { createTestAccount } from '../support/fixtures';
import { testConfig, testDb } from '../support/env';

// A message with 8-bit content and CRLF line ends: IMAP must hand back exactly these bytes.
const message = (subject: string) =>
  Buffer.from(
    [
      'From: Ärger Tester <sender@example.test>',
      'To: someone@example.test',
      `Subject: ${subject}`,
      'Message-ID: <' + subject.replace(/\W/g, '') + '@example.test>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      'Grüße aus dem Test. Ünïcödé bytes stay as they are.',
      '',
    ].join('\r\n'),
  );

async function appendAndReadBack(client: ImapFlow, raw: Buffer): Promise<Buffer> {
  const appended = await client.append('INBOX', raw, ['\\Seen']);
  expect(appended).toBeTruthy();
  const lock = await client.getMailboxLock('INBOX');
  try {
    const uid = (appended as { uid?: number }).uid;
    expect(uid).toBeGreaterThan(0);
    const msg = await client.fetchOne(String(uid), { source: true }, { uid: true });
    return (msg as { source: Buffer }).source;
  } finally {
    lock.release();
  }
}

describe(`the platform's Dovecot reads accounts from Postwerk's database (${testConfig().db.client})`, () => {
  let db: Db;
  beforeAll(() => {
    db = testDb();
  });
  afterAll(() => db.destroy());

  it('lets an account row log in over IMAP, APPEND and read back byte for byte', async () => {
    const account = await createTestAccount(db);
    const client = await connectPlatformImap(testConfig().dovecot, { user: account.address, password: account.password });
    try {
      const raw = message('own login');
      expect((await appendAndReadBack(client, raw)).equals(raw)).toBe(true);
    } finally {
      await client.logout();
    }
  });

  it('lets the master user open the same mailbox without the account password', async () => {
    const account = await createTestAccount(db);
    const client = await connectPlatformImap(testConfig().dovecot, masterLogin(testConfig().dovecot, account.address));
    try {
      const raw = message('master login');
      expect((await appendAndReadBack(client, raw)).equals(raw)).toBe(true);
      const status = await client.status('INBOX', { messages: true });
      expect(status && status.messages).toBe(1);
    } finally {
      await client.logout();
    }
  });

  it('refuses a wrong password and an unknown user', async () => {
    const account = await createTestAccount(db);
    await expect(connectPlatformImap(testConfig().dovecot, { user: account.address, password: 'wrong-password' })).rejects.toThrow();
    await expect(
      connectPlatformImap(testConfig().dovecot, { user: `nobody-${account.address}`, password: account.password }),
    ).rejects.toThrow();
  });

  it('delivers over LMTP and reports the quota through the doveadm API', async () => {
    const account = await createTestAccount(db, { quotaBytes: 5 * 1024 * 1024 });
    const result = await deliverLmtp(testConfig().dovecot, { from: 'sender@example.test', to: [account.address] }, message('lmtp'));
    expect(result.accepted).toEqual([account.address]);
    const quota = await new DoveadmClient(testConfig().dovecot).quotaGet(account.address);
    const storage = quota.find((q) => q.type === 'STORAGE');
    expect(storage?.limit).toBe(5 * 1024 * 1024);
    expect(storage?.value).toBeGreaterThan(0);
    const unknown = await deliverLmtp(
      testConfig().dovecot,
      { from: 'sender@example.test', to: [`nobody-${account.address}`] },
      message('lmtp'),
    );
    expect(unknown.rejected[0]?.response).toMatch(/^550 5\.1\.1/);
  });
});
