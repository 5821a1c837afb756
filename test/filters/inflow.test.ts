import { createTestTenant } from '../support/fixtures';
import { account, eventsOf, findInMailbox, message, queueIdOf, send, startPipeline, waitFinal, type Pipeline } from './support';
import { INFLOW_MAX_DELAY_MS, INFLOW_REFRESH_MS } from '../../filters/limits';

/**
 * Inflow pacing against the real Redis queue: with no worker taking jobs, the backlog grows past the
 * threshold and further messages wait at MAIL FROM (at most INFLOW_MAX_DELAY_MS, then accepted anyway,
 * the wait in their trace); once a worker drains the queue, every message is delivered and new ones
 * pass without a pause.
 */
let p: Pipeline;

beforeAll(async () => {
  p = await startPipeline({ worker: false, config: (c) => ({ ...c, smtp: { ...c.smtp, inflowBacklog: 2 } }) });
});
afterAll(async () => {
  await p?.close();
});

const acceptedDetail = async (queueId: string) =>
  JSON.parse((await eventsOf(p, queueId)).find((e) => e.stage === 'accepted')!.detail!) as { pacedMs?: number };

test('over the backlog threshold MAIL FROM waits, mail is accepted all the same, and nothing is lost', async () => {
  const tenant = await createTestTenant(p.services.db);
  const a = await account(p.services.db, { tenant });
  const sent: Array<{ qid: string; messageId: string; paced: number | undefined }> = [];
  for (let i = 0; i < 5; i++) {
    // the ingress reads the backlog at most every INFLOW_REFRESH_MS: let it see the last enqueue
    await new Promise((r) => setTimeout(r, INFLOW_REFRESH_MS + 50));
    const m = message({ to: a.address, subject: `paced ${i}` });
    const info = await send(p.ingress.port, { from: 'sender@sender.test', to: [a.address] }, m.raw);
    expect(info.response).toMatch(/^250 /);
    const qid = queueIdOf(info.response);
    sent.push({ qid, messageId: m.messageId, paced: (await acceptedDetail(qid)).pacedMs });
  }
  // three jobs waiting are over the threshold of two: the 4th and 5th were held back, each the longest time
  expect(await p.services.queue.waitingCount('filters')).toBe(5);
  expect(sent.slice(0, 3).map((s) => s.paced)).toEqual([undefined, undefined, undefined]);
  for (const s of sent.slice(3)) {
    expect(s.paced).toBeGreaterThanOrEqual(INFLOW_MAX_DELAY_MS - 50);
    expect(s.paced).toBeLessThan(INFLOW_MAX_DELAY_MS + 2000);
  }

  p.startWorker();
  for (const s of sent) expect((await waitFinal(p, s.qid))[0]!.status).toBe('delivered');
  for (const s of sent) expect(await findInMailbox(p.config, a.address, s.messageId)).toHaveLength(1);

  // drained: no pause any more
  await new Promise((r) => setTimeout(r, INFLOW_REFRESH_MS + 50));
  const m = message({ to: a.address, subject: 'after the drain' });
  const qid = queueIdOf((await send(p.ingress.port, { from: 'sender@sender.test', to: [a.address] }, m.raw)).response);
  expect((await acceptedDetail(qid)).pacedMs).toBeUndefined();
  expect((await waitFinal(p, qid))[0]!.status).toBe('delivered');
});
