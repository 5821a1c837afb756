// Issue 11: the holes in "zero loss, proven", each reproduced against the real Dovecot servers
// (a fault proxy in front of the source where a server must misbehave at a precise moment).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildReport, runMigrationPass, sourceSnapshot, summarize, verifyMailbox } from '../../migrator';
import type { MessageRecord, MigrationStateStore } from '../../migrator/state/store';
import { exitStatusOf } from '../../migrator/cli/migrate-command';
import { EXIT } from '../../platform/errors';
import { startFaultProxy } from './fault-proxy';
import * as S from './support';

jest.setTimeout(90_000);

const sourceServer = () => ({ host: process.env.POSTWERK_SOURCE_IMAP_HOST!, port: Number(process.env.POSTWERK_SOURCE_IMAP_PORT) });
const destServer = () => ({ host: process.env.POSTWERK_IMAP_HOST!, port: Number(process.env.POSTWERK_IMAP_PORT) });

async function destCount(dest: S.DestAccount, folder = 'INBOX'): Promise<number> {
  return S.withClient(S.destEndpoint(dest), async (c) => {
    const st = await c.status(folder, { messages: true });
    return st ? (st.messages ?? 0) : -1;
  });
}

describe('migrator: issue 11 findings', () => {
  const state = S.useStateStore();

  // imapflow answers false for a refused SEARCH (NO/BAD) and throws for a dropped connection: both
  // must leave the destination alone
  it.each([
    ['refused (NO)', { refuseCommand: /^\S+ UID SEARCH/i }],
    ['dropped', { dropOnCommand: /^\S+ UID SEARCH/i }],
  ])('1. a UID SEARCH %s in a CONDSTORE delta with deletions deletes nothing', async (_how, fault) => {
    const user = S.uniqUser('f1search');
    const corpus = [1, 2, 3, 4].map((i) => ({
      folder: ['INBOX'],
      raw: S.textMessage(`keep ${i}`),
      flags: [],
      date: new Date('2024-01-01T00:00:00Z'),
    }));
    await S.withClient(S.sourceEndpoint(user), (c) => S.loadCorpus(c, corpus));
    const dest = await S.createDestinationAccount();
    const ctx = { logger: S.silentLogger, migrationId: `f1-${user}` };
    const proxy = await startFaultProxy(sourceServer(), { ...fault, armed: false });
    const input = {
      source: S.sourceEndpoint(user, { master: true, port: proxy.port }),
      destination: S.destEndpoint(dest),
      store: state().store,
    };
    try {
      expect((await runMigrationPass(ctx, input)).totals.copied).toBe(4);
      // a flag change at the source: the folder changed, so the delta lists it (an unchanged one lists nothing, noop-delta.test.ts)
      await S.withClient(S.sourceEndpoint(user), async (c) => {
        await c.mailboxOpen('INBOX');
        await c.messageFlagsAdd('1', ['\\Flagged']);
      });
      proxy.arm();
      const delta = await runMigrationPass(ctx, { ...input, mode: 'delta', options: { propagateDeletions: true } });
      expect(proxy.fired()).toBe(1); // the delta did search, and that search failed
      expect(delta.totals.deleted).toBe(0);
      expect(delta.failedFolders).toEqual([]);
      expect((await verifyMailbox(ctx, input)).verified).toBe(true);
    } finally {
      await proxy.close();
    }
    expect(await destCount(dest)).toBe(4);
  });

  it('6. a destination folder recreated between passes: the CONDSTORE delta copies all of it again', async () => {
    const user = S.uniqUser('f6reset');
    const corpus = [1, 2, 3].map((i) => ({
      folder: ['Work'],
      raw: S.textMessage(`work ${i}`),
      flags: [],
      date: new Date('2024-01-01T00:00:00Z'),
    }));
    await S.withClient(S.sourceEndpoint(user), (c) => S.loadCorpus(c, corpus));
    const dest = await S.createDestinationAccount();
    const ctx = { logger: S.silentLogger, migrationId: `f6-${user}` };
    const input = { source: S.sourceEndpoint(user, { master: true }), destination: S.destEndpoint(dest), store: state().store };
    expect((await runMigrationPass(ctx, input)).totals.copied).toBe(3);
    // the folder is deleted on the destination and comes back empty, with a new UIDVALIDITY
    await S.withClient(S.destEndpoint(dest), (c) => c.mailboxDelete('Work'));
    const delta = await runMigrationPass(ctx, { ...input, mode: 'delta' });
    expect(delta.totals.copied).toBe(3);
    expect(await destCount(dest, 'Work')).toBe(3);
    expect((await verifyMailbox(ctx, input)).verified).toBe(true);
  });

  it('3. skipped by policy is "VERIFIED except N skipped", not VERIFIED; lifting the cap copies them', async () => {
    const user = S.uniqUser('f3skip');
    const corpus = [
      { folder: ['INBOX'], raw: S.textMessage('small'), flags: [], date: new Date('2024-01-01T00:00:00Z') },
      { folder: ['INBOX'], raw: S.bigMessage('large', 200_000), flags: [], date: new Date('2024-01-02T00:00:00Z') },
    ];
    await S.withClient(S.sourceEndpoint(user), (c) => S.loadCorpus(c, corpus));
    const dest = await S.createDestinationAccount();
    const ctx = { logger: S.silentLogger, migrationId: `f3-${user}` };
    const input = { source: S.sourceEndpoint(user, { master: true }), destination: S.destEndpoint(dest), store: state().store };
    const capped = { ...input, options: { maxMessageBytes: 100_000 } };
    const pass = await runMigrationPass(ctx, capped);
    expect(pass.totals).toMatchObject({ copied: 1, skipped: 1 });
    const v = await verifyMailbox(ctx, capped);
    expect(v.verified).toBe(false);
    expect(v.outcome).toBe('verified-except-skipped');
    const text = summarize(buildReport(ctx.migrationId, pass, v));
    expect(text.split('\n').pop()).toBe('VERIFIED except 1 skipped by policy (see report)');

    // the skip is not for ever: without the cap the next pass copies it
    const later = await runMigrationPass(ctx, input);
    expect(later.totals).toMatchObject({ copied: 1, skipped: 0 });
    const after = await verifyMailbox(ctx, input);
    expect(after).toMatchObject({ verified: true, outcome: 'verified' });
    expect(await destCount(dest)).toBe(2);
  });

  it('3. zero selected folders (a mistyped --include) is not verified', async () => {
    const user = S.uniqUser('f3none');
    await S.withClient(S.sourceEndpoint(user), (c) =>
      S.loadCorpus(c, [{ folder: ['INBOX'], raw: S.textMessage('x'), flags: [], date: new Date('2024-01-01T00:00:00Z') }]),
    );
    const dest = await S.createDestinationAccount();
    const ctx = { logger: S.silentLogger, migrationId: `f3n-${user}` };
    const input = {
      source: S.sourceEndpoint(user, { master: true }),
      destination: S.destEndpoint(dest),
      store: state().store,
      options: { include: ['Inbox-typo'] },
    };
    const pass = await runMigrationPass(ctx, input);
    const v = await verifyMailbox(ctx, input);
    expect(v.verified).toBe(false);
    expect(v.outcome).toBe('nothing-selected');
    expect(
      summarize(buildReport(ctx.migrationId, pass, v))
        .split('\n')
        .pop(),
    ).toMatch(/^NOT VERIFIED: no folder was selected/);
  });

  it('4. a literal truncated on the way is neither recorded as copied nor verified', async () => {
    const user = S.uniqUser('f4trunc');
    const big = S.bigMessage('truncated on the way', 300_000);
    const corpus = [
      { folder: ['INBOX'], raw: S.textMessage('small'), flags: [], date: new Date('2024-01-01T00:00:00Z') },
      { folder: ['INBOX'], raw: big, flags: [], date: new Date('2024-01-02T00:00:00Z') },
    ];
    await S.withClient(S.sourceEndpoint(user), (c) => S.loadCorpus(c, corpus));
    const dest = await S.createDestinationAccount();
    const ctx = { logger: S.silentLogger, migrationId: `f4-${user}` };
    const proxy = await startFaultProxy(sourceServer(), { truncateLiteralAtLeast: 200_000, truncateBy: 5000 });
    const input = {
      source: S.sourceEndpoint(user, { master: true, port: proxy.port }),
      destination: S.destEndpoint(dest),
      store: state().store,
    };
    try {
      await runMigrationPass(ctx, input);
      expect(proxy.fired()).toBe(1);
      const v = await verifyMailbox(ctx, input);
      // whatever the pass did, the destination must hold the exact bytes, or verification says so
      const snap = await S.withClient(S.destEndpoint(dest), (c) => S.snapshot(c));
      const exact = (snap.get('INBOX') ?? []).some((m) => m.sha256 === S.sha(big));
      expect(v.verified).toBe(exact);
      expect(exact).toBe(true); // the short read was retried, not copied
      expect(snap.get('INBOX')).toHaveLength(2);
    } finally {
      await proxy.close();
    }
  });

  it('4. verification re-reads the source, compares sizes and counts destination duplicates', async () => {
    const user = S.uniqUser('f4dup');
    const raw = S.textMessage('only once at the source');
    await S.withClient(S.sourceEndpoint(user), (c) =>
      S.loadCorpus(c, [{ folder: ['INBOX'], raw, flags: [], date: new Date('2024-01-01T00:00:00Z') }]),
    );
    const dest = await S.createDestinationAccount();
    const ctx = { logger: S.silentLogger, migrationId: `f4d-${user}` };
    const input = { source: S.sourceEndpoint(user, { master: true }), destination: S.destEndpoint(dest), store: state().store };
    await runMigrationPass(ctx, input);
    expect((await verifyMailbox(ctx, input)).verified).toBe(true);
    // a second copy appears on the destination (another tool, a retry gone wrong)
    await S.withClient(S.destEndpoint(dest), (c) => c.append('INBOX', raw, [], new Date('2024-01-01T00:00:00Z')));
    const v = await verifyMailbox(ctx, input);
    expect(v.totals.duplicates).toBe(1);
    expect(v.verified).toBe(false);
    expect(v.outcome).toBe('duplicates');
  });
});

/** Subject → flags (no \Recent) of every message of a destination folder; null when the folder is gone. */
async function destMessages(dest: S.DestAccount, folder: string): Promise<Array<{ subject: string; flags: string[] }> | null> {
  return S.withClient(S.destEndpoint(dest), async (c) => {
    if (!(await c.list()).some((f) => f.path === folder)) return null;
    const lock = await c.getMailboxLock(folder, { readOnly: true });
    try {
      const out: Array<{ subject: string; flags: string[] }> = [];
      if ((c.mailbox as { exists: number }).exists)
        for await (const m of c.fetch('1:*', { uid: true, flags: true, envelope: true }, { uid: true }))
          out.push({ subject: m.envelope?.subject ?? '', flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort() });
      return out.sort((a, b) => a.subject.localeCompare(b.subject));
    } finally {
      lock.release();
    }
  });
}

/** The destination UID of the message with this subject in `folder` (the user acts on it). */
async function uidBySubject(c: Awaited<ReturnType<typeof S.connect>>, subject: string): Promise<number> {
  const uids = await c.search({ subject }, { uid: true });
  if (!Array.isArray(uids) || uids.length !== 1) throw new Error(`expected one "${subject}", got ${JSON.stringify(uids)}`);
  return uids[0];
}

describe('migrator: issue 11 finding 2, the destination is the user’s live mailbox after the switch', () => {
  const state = S.useStateStore();
  const at = new Date('2024-01-01T00:00:00Z');
  const msg = (folder: string, subject: string) => ({ folder: [folder], raw: S.textMessage(subject), flags: [], date: at });

  it('2. a folder the user deleted and made again after the switch: its old messages stay removed, new ones arrive', async () => {
    const user = S.uniqUser('f2again');
    await S.withClient(S.sourceEndpoint(user), (c) =>
      S.loadCorpus(c, [msg('Work', 'w one'), msg('Work', 'w two'), msg('Work', 'w three')]),
    );
    const dest = await S.createDestinationAccount();
    const ctx = { logger: S.silentLogger, migrationId: `f2a-${user}` };
    const input = { source: S.sourceEndpoint(user, { master: true }), destination: S.destEndpoint(dest), store: state().store };
    expect((await runMigrationPass(ctx, input)).totals.copied).toBe(3);
    await S.withClient(S.destEndpoint(dest), async (c) => {
      await c.mailboxDelete('Work');
      await c.mailboxCreate('Work');
    });
    await S.withClient(S.sourceEndpoint(user), (c) => c.append('Work', S.textMessage('w new'), [], at));
    const catchup = await runMigrationPass(ctx, { ...input, mode: 'catchup' });
    expect(catchup.folders.find((f) => f.sourcePath === 'Work')).toMatchObject({ removedByUser: 3, copied: 1, failed: [] });
    expect(await destMessages(dest, 'Work')).toEqual([{ subject: 'w new', flags: [] }]);
    // and the next round neither copies the old ones again nor counts them again
    const again = await runMigrationPass(ctx, { ...input, mode: 'catchup' });
    expect(again.folders.find((f) => f.sourcePath === 'Work')).toMatchObject({ removedByUser: 0, copied: 0 });
  });

  it('2. a catch-up pass copies only what is new at the source and leaves the user’s changes alone', async () => {
    const user = S.uniqUser('f2catchup');
    await S.withClient(S.sourceEndpoint(user), (c) =>
      S.loadCorpus(c, [
        msg('INBOX', 'deleted by user'),
        msg('INBOX', 'moved by user'),
        msg('INBOX', 'flagged by user'),
        msg('INBOX', 'seen at source'),
        msg('Keep', 'kept'),
        msg('Old', 'old one'),
        msg('Old', 'old two'),
      ]),
    );
    const dest = await S.createDestinationAccount();
    const ctx = { logger: S.silentLogger, migrationId: `f2-${user}` };
    const input = { source: S.sourceEndpoint(user, { master: true }), destination: S.destEndpoint(dest), store: state().store };
    expect((await runMigrationPass(ctx, input)).totals.copied).toBe(7);

    // the switch: from now on the user works in the destination mailbox
    await S.withClient(S.destEndpoint(dest), async (c) => {
      await c.mailboxOpen('INBOX');
      expect(await c.messageDelete(String(await uidBySubject(c, 'deleted by user')), { uid: true })).toBe(true);
      expect(await c.messageMove(String(await uidBySubject(c, 'moved by user')), 'Keep', { uid: true })).toBeTruthy();
      expect(await c.messageFlagsSet(String(await uidBySubject(c, 'flagged by user')), ['\\Flagged'], { uid: true })).toBe(true);
      await c.mailboxClose();
      await c.mailboxDelete('Old');
    });
    // meanwhile at the old server: one new message, and flag changes on two old ones
    await S.withClient(S.sourceEndpoint(user), async (c) => {
      await c.append('INBOX', S.textMessage('new after the switch'), [], at);
      await c.mailboxOpen('INBOX');
      for (const s of ['flagged by user', 'seen at source'])
        expect(await c.messageFlagsAdd(String(await uidBySubject(c, s)), ['\\Seen'], { uid: true })).toBe(true);
      await c.mailboxClose();
    });

    const catchup = await runMigrationPass(ctx, { ...input, mode: 'catchup', options: { propagateDeletions: true } });
    expect(catchup.failedFolders).toEqual([]);
    expect(catchup.totals).toMatchObject({ copied: 1, deleted: 0, failed: 0, removedByUser: 2, foldersRemovedByUser: 1 });
    expect(catchup.folders.find((f) => f.sourcePath.endsWith('Old'))).toMatchObject({ folderRemovedByUser: true, copied: 0 });
    expect(catchup.folders.find((f) => f.sourcePath === 'INBOX')).toMatchObject({ removedByUser: 2, copied: 1 });

    expect(await destMessages(dest, 'INBOX')).toEqual([
      { subject: 'flagged by user', flags: ['\\Flagged'] }, // the user's flags win over the source's \Seen
      { subject: 'new after the switch', flags: [] },
      { subject: 'seen at source', flags: ['\\Seen'] }, // untouched by the user: the source change applies
    ]);
    expect(await destMessages(dest, 'Keep')).toEqual([
      { subject: 'kept', flags: [] },
      { subject: 'moved by user', flags: [] },
    ]);
    expect(await destMessages(dest, 'Old')).toBeNull();

    // the next round has nothing to do, and the verification names the user's removals as such
    const again = await runMigrationPass(ctx, { ...input, mode: 'catchup' });
    expect(again.totals).toMatchObject({ copied: 0, flagsUpdated: 0, failed: 0 });
    expect(await destMessages(dest, 'Old')).toBeNull();
    const v = await verifyMailbox(ctx, { ...input, mode: 'catchup' });
    expect(v.totals).toMatchObject({ missing: 0, removedByUser: 4, duplicates: 0 });
    expect(v.outcome).toBe('verified');
    const inbox = v.folders.find((f) => f.sourcePath === 'INBOX')!;
    expect(inbox.removedByUser.map((m) => m.subject).sort()).toEqual(['deleted by user', 'moved by user']);
    expect(v.folders.find((f) => f.sourcePath.endsWith('Old'))).toMatchObject({ folderRemovedByUser: true, missingCount: 0 });
    expect(
      summarize(buildReport(ctx.migrationId, again, v))
        .split('\n')
        .pop(),
    ).toBe('VERIFIED: every source message is on the destination or was removed there by the user (4)');
  });

  it('2. control: before the switch a delta copies a message that vanished on the destination again', async () => {
    const user = S.uniqUser('f2delta');
    await S.withClient(S.sourceEndpoint(user), (c) => S.loadCorpus(c, [msg('INBOX', 'one'), msg('INBOX', 'two')]));
    const dest = await S.createDestinationAccount();
    const ctx = { logger: S.silentLogger, migrationId: `f2d-${user}` };
    const input = { source: S.sourceEndpoint(user, { master: true }), destination: S.destEndpoint(dest), store: state().store };
    expect((await runMigrationPass(ctx, input)).totals.copied).toBe(2);
    await S.withClient(S.destEndpoint(dest), async (c) => {
      await c.mailboxOpen('INBOX');
      expect(await c.messageDelete(String(await uidBySubject(c, 'one')), { uid: true })).toBe(true);
    });
    const delta = await runMigrationPass(ctx, { ...input, mode: 'delta' });
    expect(delta.totals.copied).toBe(1);
    expect((await destMessages(dest, 'INBOX'))!.map((m) => m.subject)).toEqual(['one', 'two']);
    const v = await verifyMailbox(ctx, input);
    expect(v).toMatchObject({ verified: true, totals: { missing: 0, removedByUser: 0 } });
  });
});

describe('migrator: issue 11 finding 10, children follow a parent mapped to a special-use name', () => {
  const state = S.useStateStore();

  it('10. Archiv → Archive takes its child along: Archive/Alt & Neu, no second archive', async () => {
    const user = S.uniqUser('f10archiv');
    const at = new Date('2024-01-01T00:00:00Z');
    await S.withClient(S.sourceEndpoint(user), (c) =>
      S.loadCorpus(c, [
        { folder: ['Archiv'], raw: S.textMessage('archived'), flags: [], date: at },
        { folder: ['Archiv', 'Alt & Neu'], raw: S.textMessage('old and new'), flags: [], date: at },
      ]),
    );
    const dest = await S.createDestinationAccount();
    const ctx = { logger: S.silentLogger, migrationId: `f10-${user}` };
    const input = { source: S.sourceEndpoint(user, { master: true }), destination: S.destEndpoint(dest), store: state().store };
    const pass = await runMigrationPass(ctx, input);
    expect(pass.totals).toMatchObject({ copied: 2, failed: 0 });
    const names = await S.withClient(S.destEndpoint(dest), async (c) => (await c.list()).map((f) => f.path.split(f.delimiter).join('/')));
    expect(names).toEqual(expect.arrayContaining(['Archive', 'Archive/Alt & Neu']));
    expect(names.filter((n) => /^Archiv($|\/)/.test(n))).toEqual([]);
    expect(await destCount(dest, 'Archive')).toBe(1);
    expect((await verifyMailbox(ctx, input)).verified).toBe(true);
  });
});

/** The engine's view of the state store, and the records of a destination folder it synced. */
function recordsOf(base: MigrationStateStore): { store: MigrationStateStore; records: (destPath: string) => Promise<MessageRecord[]> } {
  const folderIds = new Map<string, number>();
  const store = Object.create(base) as MigrationStateStore;
  store.folder = async (...args) => {
    const f = await base.folder(...args);
    folderIds.set(f.destPath, f.id);
    return f;
  };
  return { store, records: (destPath) => base.loadMessages(folderIds.get(destPath)!) };
}

describe('migrator: issue 11 finding 7, a destination without UIDPLUS', () => {
  const state = S.useStateStore();

  it('7. without APPENDUID every record still names its destination UID (found by size, confirmed by hash); a lost copy is copied again', async () => {
    const user = S.uniqUser('f7uidplus');
    const twin = S.textMessage('twin', { messageId: '<twin@corpus.test>' });
    const day = (d: number): Date => new Date(`2024-01-0${d}T00:00:00Z`);
    const corpus = [
      ...[1, 2, 3, 4, 5].map((i) => ({
        folder: ['INBOX'],
        raw: S.textMessage(`plain ${i}`),
        flags: i === 2 ? ['\\Seen'] : [],
        date: day(i),
      })),
      // the same bytes twice at the source: each must get a destination UID of its own
      { folder: ['INBOX'], raw: twin, flags: [], date: day(6) },
      { folder: ['INBOX'], raw: twin, flags: [], date: day(6) },
      // streamed through a spool file and APPENDed alone
      { folder: ['INBOX'], raw: S.bigMessage('big', 1_200_000), flags: [], date: day(7) },
    ];
    await S.withClient(S.sourceEndpoint(user), (c) => S.loadCorpus(c, corpus));
    const dest = await S.createDestinationAccount();
    const ctx = { logger: S.silentLogger, migrationId: `f7-${user}` };
    const proxy = await startFaultProxy(destServer(), { stripCapability: 'UIDPLUS', stripResponseCode: 'APPENDUID' });
    // the store as the engine uses it, remembering which folder state it opened
    const { store, records } = recordsOf(state().store);
    const input = { source: S.sourceEndpoint(user, { master: true }), destination: { ...S.destEndpoint(dest), port: proxy.port }, store };
    try {
      const pass = await runMigrationPass(ctx, input);
      expect(pass.totals.copied).toBe(corpus.length);
      expect(proxy.fired()).toBeGreaterThan(0); // UIDPLUS and APPENDUID were hidden

      // every record names the destination message that holds its bytes, as a direct login sees it
      const snap = await S.withClient(S.destEndpoint(dest), (c) => S.snapshot(c));
      const hashByUid = new Map((snap.get('INBOX') ?? []).map((m) => [m.uid, m.sha256]));
      const recs = await records('INBOX');
      expect(recs).toHaveLength(corpus.length);
      for (const r of recs) {
        expect(r.status).toBe('copied');
        expect(r.destUid).not.toBeNull();
        expect(hashByUid.get(r.destUid!)).toBe(r.sha256);
      }
      expect(new Set(recs.map((r) => r.destUid)).size).toBe(corpus.length);
      expect((await verifyMailbox(ctx, input)).verified).toBe(true);

      // a copy is lost on the destination: verification says so, and a delta copies it again
      await S.withClient(S.destEndpoint(dest), async (c) => {
        await c.mailboxOpen('INBOX');
        const uid = await uidBySubject(c, 'plain 3');
        expect(await c.messageDelete(String(uid), { uid: true })).toBe(true);
      });
      const lost = await verifyMailbox(ctx, input);
      expect(lost.verified).toBe(false);
      expect(lost.totals.missing).toBe(1);
      const delta = await runMigrationPass(ctx, { ...input, mode: 'delta' });
      expect(delta.totals.copied).toBe(1);
      expect(await destCount(dest)).toBe(corpus.length);
      expect((await verifyMailbox(ctx, input)).verified).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('7. a copy the lookup cannot confirm is recorded unconfirmed, found by hash in the next pass and not copied twice', async () => {
    const user = S.uniqUser('f7unconf');
    const big = S.bigMessage('read back damaged once', 1_200_000);
    const corpus = [
      { folder: ['INBOX'], raw: S.textMessage('small'), flags: [], date: new Date('2024-01-01T00:00:00Z') },
      { folder: ['INBOX'], raw: big, flags: [], date: new Date('2024-01-02T00:00:00Z') },
    ];
    await S.withClient(S.sourceEndpoint(user), (c) => S.loadCorpus(c, corpus));
    const dest = await S.createDestinationAccount();
    const ctx = { logger: S.silentLogger, migrationId: `f7u-${user}` };
    // no UIDPLUS, and the first large literal the destination sends (the lookup reading the big copy back) is cut
    const proxy = await startFaultProxy(destServer(), {
      stripCapability: 'UIDPLUS',
      stripResponseCode: 'APPENDUID',
      truncateLiteralAtLeast: 500_000,
      truncateBy: 5000,
    });
    const { store, records } = recordsOf(state().store);
    const input = { source: S.sourceEndpoint(user, { master: true }), destination: { ...S.destEndpoint(dest), port: proxy.port }, store };
    const bigRecord = async () => (await records('INBOX')).find((r) => r.sha256 === S.sha(big));
    try {
      const pass = await runMigrationPass(ctx, input);
      expect(pass.totals.copied).toBe(2);
      expect(pass.folders.find((f) => f.sourcePath === 'INBOX')?.unconfirmed).toHaveLength(1);
      expect(await bigRecord()).toMatchObject({ status: 'unconfirmed', destUid: null });

      // the next pass looks for it again: the destination has its bytes, so it is recorded, not appended
      const delta = await runMigrationPass(ctx, { ...input, mode: 'delta' });
      expect(delta.totals).toMatchObject({ copied: 0, alreadyPresent: 1 });
      const snap = await S.withClient(S.destEndpoint(dest), (c) => S.snapshot(c));
      const copy = (snap.get('INBOX') ?? []).find((m) => m.sha256 === S.sha(big));
      expect(await bigRecord()).toMatchObject({ status: 'present', destUid: copy?.uid });
      expect(snap.get('INBOX')).toHaveLength(2);
      expect((await verifyMailbox(ctx, input)).verified).toBe(true);
    } finally {
      await proxy.close();
    }
  });
});

describe('migrator: issue 11 finding 9, mail arriving during the cut-over', () => {
  const state = S.useStateStore();
  const at = new Date('2024-01-01T00:00:00Z');
  const msg = (folder: string, subject: string) => ({ folder: [folder], raw: S.textMessage(subject), flags: [], date: at });
  const appendAtSource = (user: string, folder: string, subject: string) =>
    S.withClient(S.sourceEndpoint(user), (c) => c.append(folder, S.textMessage(subject), [], at));

  it('9. verified against the final delta’s snapshot: later mail is a newcomer for the catch-up; a lost message still fails', async () => {
    const user = S.uniqUser('f9late');
    await S.withClient(S.sourceEndpoint(user), (c) => S.loadCorpus(c, [msg('INBOX', 'one'), msg('INBOX', 'two')]));
    const dest = await S.createDestinationAccount();
    const ctx = { logger: S.silentLogger, migrationId: `f9-${user}` };
    const input = { source: S.sourceEndpoint(user, { master: true }), destination: S.destEndpoint(dest), store: state().store };
    expect((await runMigrationPass(ctx, input)).totals.copied).toBe(2);
    await appendAtSource(user, 'INBOX', 'three');
    const delta = await runMigrationPass(ctx, { ...input, mode: 'delta' });
    expect(delta.totals).toMatchObject({ copied: 1, failed: 0 });
    const snapshot = sourceSnapshot(delta);
    expect(snapshot.INBOX).toMatchObject({ lastUid: 3 });

    // between the final delta and the verification, mail keeps arriving at the source
    await appendAtSource(user, 'INBOX', 'late');
    // verified against the source as it is now, the newcomer is "missing": the cut-over never finishes
    expect(await verifyMailbox(ctx, input)).toMatchObject({ verified: false, outcome: 'missing', totals: { missing: 1 } });
    const v = await verifyMailbox(ctx, { ...input, snapshot });
    expect(v).toMatchObject({ verified: true, outcome: 'verified', totals: { sourceCount: 3, matched: 3, missing: 0, newcomers: 1 } });
    expect(v.folders[0].newcomers).toEqual([expect.objectContaining({ uid: 4, subject: 'late' })]);
    expect(
      summarize(buildReport(ctx.migrationId, delta, v))
        .split('\n')
        .pop(),
    ).toBe("VERIFIED: every message of the pass's snapshot is on the destination; 1 arrived at the source since (for the catch-up)");

    // the catch-up that follows the switch copies the newcomer
    const catchup = await runMigrationPass(ctx, { ...input, mode: 'catchup' });
    expect(catchup.totals).toMatchObject({ copied: 1, failed: 0 });
    expect((await destMessages(dest, 'INBOX'))!.map((m) => m.subject)).toEqual(['late', 'one', 'three', 'two']);
    expect(await verifyMailbox(ctx, input)).toMatchObject({ verified: true, totals: { missing: 0, newcomers: 0 } });

    // control: a message of the snapshot that is gone from the destination still fails the verification
    await S.withClient(S.destEndpoint(dest), async (c) => {
      await c.mailboxOpen('INBOX');
      expect(await c.messageDelete(String(await uidBySubject(c, 'two')), { uid: true })).toBe(true);
    });
    const lost = await verifyMailbox(ctx, { ...input, snapshot });
    expect(lost).toMatchObject({ verified: false, outcome: 'missing', totals: { missing: 1, newcomers: 1 } });
    expect(lost.folders[0].missing).toEqual([expect.objectContaining({ uid: 2, subject: 'two' })]);
  });

  it('9. a source UIDVALIDITY change after the final delta is not verified, even when every message is there by content', async () => {
    const user = S.uniqUser('f9uidv');
    await S.withClient(S.sourceEndpoint(user), (c) => S.loadCorpus(c, [msg('INBOX', 'in'), msg('Work', 'w1'), msg('Work', 'w2')]));
    const dest = await S.createDestinationAccount();
    const ctx = { logger: S.silentLogger, migrationId: `f9u-${user}` };
    const input = { source: S.sourceEndpoint(user, { master: true }), destination: S.destEndpoint(dest), store: state().store };
    await runMigrationPass(ctx, input);
    const snapshot = sourceSnapshot(await runMigrationPass(ctx, { ...input, mode: 'delta' }));
    // Work is re-created at the source with the very same bytes: new UIDVALIDITY, new UIDs
    await S.withClient(S.sourceEndpoint(user), async (c) => {
      await c.mailboxOpen('Work', { readOnly: true });
      const msgs = await c.fetchAll('1:*', { source: true, flags: true, internalDate: true });
      await c.mailboxClose();
      await c.mailboxDelete('Work');
      await c.mailboxCreate('Work');
      for (const m of msgs) await c.append('Work', m.source!, [...(m.flags ?? [])], m.internalDate as Date);
      const st = await c.status('Work', { uidValidity: true });
      expect(st && st.uidValidity).not.toBe(BigInt(snapshot.Work.uidValidity));
    });
    // by content everything is there, so a verification without the snapshot passes
    expect((await verifyMailbox(ctx, input)).verified).toBe(true);
    const v = await verifyMailbox(ctx, { ...input, snapshot });
    expect(v).toMatchObject({ verified: false, outcome: 'errors' });
    expect(v.folders.find((f) => f.sourcePath === 'Work')?.error).toMatch(/^source UIDVALIDITY changed since the pass that copied it/);
    expect(v.folders.find((f) => f.sourcePath === 'INBOX')).toMatchObject({ matched: 1, newcomerCount: 0 });
  });
});

/**
 * Stores `raw` byte for byte in the source's INBOX with doveadm save: over IMAP, Dovecot turns NULs into
 * 0x80 (plain literal) or re-encodes the part (literal8), so NUL bytes reach its store only this way. The
 * source's config is in the first stack's state dir (the PostgreSQL run points POSTWERK_HOME at pg/ below
 * it): the one that listens on the source's port.
 */
function saveToSource(user: string, raw: Buffer): void {
  const home = process.env.POSTWERK_HOME!;
  const conf = [home, path.dirname(home)]
    .map((d) => path.join(d, 'source-imap', 'dovecot.conf'))
    .find((f) => existsSync(f) && new RegExp(`port = ${process.env.POSTWERK_SOURCE_IMAP_PORT}\\b`).test(readFileSync(f, 'utf8')));
  if (!conf) throw new Error(`no source-imap config under ${home}`);
  execFileSync('doveadm', ['-c', conf, 'save', '-u', user, '-m', 'INBOX'], { input: raw });
}

describe('migrator: issue 11 finding 5, messages the destination rewrites', () => {
  const state = S.useStateStore();
  const payload = Buffer.from([0x50, 0x4b, 0x00, 0x01, 0x02, 0x00, 0x00, 0xff, 0x42, 0x00]);
  const nulMessage = Buffer.concat([
    Buffer.from(
      'From: a@example.org\r\nTo: b@example.org\r\nSubject: binary part with NUL bytes\r\nMessage-ID: <nul-5@example.org>\r\n' +
        'Date: Mon, 01 Jan 2024 00:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b5"\r\n\r\n' +
        '--b5\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n' +
        '--b5\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n',
    ),
    payload,
    Buffer.from('\r\n--b5--\r\n'),
  ]);

  it('5. a binary part with NUL bytes is reported altered by the destination, not missing, and never appended twice', async () => {
    const user = S.uniqUser('f5nul');
    await S.withClient(S.sourceEndpoint(user), (c) =>
      S.loadCorpus(c, [{ folder: ['INBOX'], raw: S.textMessage('plain'), flags: [], date: new Date('2024-01-01T00:00:00Z') }]),
    );
    saveToSource(user, nulMessage);
    // the source holds the NULs: BINARY[] shows them (BODY[] would show 0x80 in their place)
    await S.withClient(S.sourceEndpoint(user), async (c) => {
      await c.mailboxOpen('INBOX', { readOnly: true });
      const m = await c.fetchOne('2', { source: true }, { binary: true });
      expect(m && m.source!.includes(payload)).toBe(true);
    });
    const dest = await S.createDestinationAccount();
    const ctx = { logger: S.silentLogger, migrationId: `f5-${user}` };
    const input = { source: S.sourceEndpoint(user, { master: true }), destination: S.destEndpoint(dest), store: state().store };

    const pass = await runMigrationPass(ctx, input);
    expect(pass.totals).toMatchObject({ copied: 2, altered: 1, failed: 0 });
    expect(pass.folders[0].altered).toEqual([
      { uid: 2, destUid: expect.any(Number), reason: expect.stringMatching(/^destination re-encodes NUL bytes \(BINARY APPEND\)/) },
    ]);
    // sent as literal8: the NULs arrived (not 0x80), the destination stored the part as base64
    const stored = await S.withClient(S.destEndpoint(dest), async (c) => {
      await c.mailboxOpen('INBOX', { readOnly: true });
      const m = await c.fetchOne(String(pass.folders[0].altered[0].destUid), { source: true }, { uid: true });
      return m ? m.source!.toString('latin1') : '';
    });
    expect(stored).toContain('Content-Transfer-Encoding: base64');
    expect(stored).toContain(payload.toString('base64'));

    const v = await verifyMailbox(ctx, input);
    expect(v).toMatchObject({
      verified: false,
      outcome: 'altered',
      totals: { matched: 1, missing: 0, alteredByDestination: 1, duplicates: 0 },
    });
    expect(v.folders[0].altered).toEqual([
      { uid: 2, destUid: pass.folders[0].altered[0].destUid, reason: pass.folders[0].altered[0].reason },
    ]);
    const report = buildReport(ctx.migrationId, pass, v);
    expect(report.retry).toEqual({});
    const text = summarize(report);
    expect(text).toContain(
      `altered by the destination: INBOX uid 2 (destination uid ${v.folders[0].altered[0].destUid}): destination re-encodes`,
    );
    expect(text.split('\n').pop()).toBe('NOT VERIFIED: 1 message(s) altered by the destination, none missing (see report)');
    expect(exitStatusOf([report])).toBe(EXIT.altered);

    // a rerun and a retry of that message append nothing: the altered copy is the copy
    const again = await runMigrationPass(ctx, input);
    expect(again.totals).toMatchObject({ copied: 0, altered: 0, failed: 0 });
    const retry = await runMigrationPass(ctx, { ...input, options: { onlyUids: { INBOX: [2] } } });
    expect(retry.totals).toMatchObject({ copied: 0, failed: 0 });
    expect(await destCount(dest)).toBe(2);
    expect((await verifyMailbox(ctx, input)).outcome).toBe('altered');
  });
});
