import { randomUUID } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import type { Services } from '../../platform/context';
import { platformImapOptions } from '../../platform/mail/imap';
import { withTimeout } from '../../platform/timeout';
import { findTenant } from '../../tenancy/repositories/tenants';
import { DELIVERY_POLL_MS, DELIVERY_TIMEOUT_MS, IMAP_STEP_TIMEOUT_MS, RUN_ERROR_MAX } from '../limits';
import { insertRun } from '../repositories/probes';
import type { ProbeRunRow, Step } from '../repositories/rows';
import { loadSettings } from '../shared/settings';
import { evaluateIncidents } from '../shared/incidents';
import { ensureProbeMailbox, type ProbeLogin } from './ensure-probe-mailbox';

export const runProbeInput = z.object({ tenantId: z.uuid(), slot: z.string().max(120).optional() });

/** The header that marks a delivery probe's message (every such message is deleted by the next run). */
export const PROBE_HEADER = 'X-Postwerk-Probe';

export type ProbeRunResult =
  { status: 'skipped'; reason: string } | { status: 'done'; run: Omit<ProbeRunRow, 'id'>; incident: { opened?: string; closed?: string } };

/**
 * One probe run of a tenant, as its users see the platform: an IMAP login to the tenant's probe mailbox
 * with its own password, SELECT INBOX, FETCH of the newest message, then (unless turned off) a message
 * through the platform's own SMTP ingress (the whole filter pipeline: clamd, rspamd, policy, LMTP), timed
 * until it is visible in the INBOX over the same IMAP session, and deleted. Each step is timed on its
 * own; the first that fails ends the run and is named with its error. The run is stored, and the
 * tenant's incidents are opened or closed from it (shared/incidents.ts).
 */
export async function runProbe(
  services: Services,
  input: z.input<typeof runProbeInput>,
  now: () => Date = () => new Date(),
): Promise<ProbeRunResult> {
  const { tenantId, slot } = runProbeInput.parse(input);
  const tenant = await findTenant(services.db, tenantId);
  if (!tenant) return { status: 'skipped', reason: 'tenant not found' };
  // a suspended tenant's users cannot log in either: its minutes are not the platform's to count
  if (tenant.status !== 'active') return { status: 'skipped', reason: `tenant ${tenant.status}` };
  const settings = await loadSettings(services.db, tenantId);
  if (!settings.enabled) return { status: 'skipped', reason: 'probes turned off for the tenant' };
  const login = await ensureProbeMailbox(services, { tenantId });

  const at = now().toISOString();
  const times: Partial<Record<Step, number>> = {};
  let failed: { step: Step; error: string } | null = null;
  let step: Step = 'login';
  const timed = async <T>(s: Step, limitMs: number, what: string, fn: () => Promise<T>): Promise<T> => {
    step = s;
    const t0 = performance.now();
    const r = await withTimeout(fn(), limitMs, what);
    times[s] = Math.max(0, Math.round(performance.now() - t0));
    return r;
  };
  const client = new ImapFlow({
    ...platformImapOptions(services.config.dovecot, { user: login.address, password: login.password }),
    connectionTimeout: IMAP_STEP_TIMEOUT_MS,
  });
  client.on('error', () => undefined);
  try {
    await timed('login', IMAP_STEP_TIMEOUT_MS, 'IMAP login', () => client.connect());
    const box = await timed('select', IMAP_STEP_TIMEOUT_MS, 'IMAP SELECT INBOX', () => client.mailboxOpen('INBOX'));
    // the newest message: an anchor message is put there once, so there always is one to fetch
    if (!box.exists) await client.append('INBOX', anchorMessage(login), ['\\Seen']);
    await timed('fetch', IMAP_STEP_TIMEOUT_MS, 'IMAP FETCH newest', async () => {
      const m = await client.fetchOne('*', { uid: true, envelope: true, source: true });
      if (!m) throw new Error('FETCH of the newest message answered nothing');
    });
    if (settings.delivery) {
      await timed('delivery', DELIVERY_TIMEOUT_MS, 'delivery through the SMTP ingress until seen over IMAP', () =>
        deliverAndSee(services, client, login),
      );
    }
  } catch (e) {
    failed = { step, error: describe(e).slice(0, RUN_ERROR_MAX) };
    delete times[step];
  } finally {
    await client.logout().catch(() => undefined);
    client.close();
  }
  const run: Omit<ProbeRunRow, 'id'> = {
    tenant_id: tenantId,
    at,
    minutes: settings.everySeconds / 60,
    ok: !failed,
    failed_step: failed?.step ?? null,
    error: failed?.error ?? null,
    login_ms: times.login ?? null,
    select_ms: times.select ?? null,
    fetch_ms: times.fetch ?? null,
    delivery_ms: times.delivery ?? null,
    slot: slot ?? null,
  };
  // a job re-run after its worker died mid-run (BullMQ: stalled) measures again, but stores one run per slot
  if (!(await insertRun(services.db, run))) return { status: 'skipped', reason: `slot ${slot} stored already` };
  if (failed) services.logger.warn({ tenantId, step: failed.step, err: failed.error }, 'probe step failed');
  const incident = await evaluateIncidents(services, { tenantId, settings, run });
  return { status: 'done', run, incident };
}

function describe(e: unknown): string {
  const err = e as Error & { responseText?: string; response?: string; code?: string };
  const text = err.responseText ?? err.response ?? err.message ?? String(e);
  return err.code && !text.includes(err.code) ? `${err.code}: ${text}` : text;
}

function anchorMessage(login: ProbeLogin): string {
  return [
    `From: Postwerk probe <${login.address}>`,
    `To: ${login.address}`,
    'Subject: Postwerk probe mailbox',
    `Message-ID: <anchor-${login.id}@probe.postwerk.invalid>`,
    `Date: ${new Date().toUTCString()}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'The platform probes this mailbox every minute: this message is what FETCH reads.',
    '',
  ].join('\r\n');
}

/** Sends one message through the SMTP ingress, waits until the open session sees it, deletes every probe message. */
async function deliverAndSee(services: Services, client: ImapFlow, login: ProbeLogin): Promise<void> {
  const messageId = `<${randomUUID()}@probe.postwerk.invalid>`;
  const raw = [
    `From: Postwerk probe <${login.address}>`,
    `To: ${login.address}`,
    'Subject: Postwerk delivery probe',
    `Message-ID: ${messageId}`,
    `${PROBE_HEADER}: ${login.tenantId}`,
    `Date: ${new Date().toUTCString()}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'A delivery probe of the platform: deleted as soon as it is seen.',
    '',
  ].join('\r\n');
  const smtp = services.config.smtp;
  const transport = nodemailer.createTransport({ host: smtp.host, port: smtp.port, secure: false, ignoreTLS: true, name: smtp.hostname });
  try {
    await transport.sendMail({ envelope: { from: login.address, to: [login.address] }, raw });
  } finally {
    transport.close();
  }
  for (;;) {
    await client.noop();
    const uids = (await client.search({ header: { 'Message-ID': messageId } }, { uid: true })) || [];
    if (uids.length) break;
    await new Promise((r) => setTimeout(r, DELIVERY_POLL_MS));
  }
  // this probe's message and any a slow earlier run left behind
  const all = (await client.search({ header: { [PROBE_HEADER]: '' } }, { uid: true })) || [];
  if (all.length) await client.messageDelete(all.join(','), { uid: true });
}
