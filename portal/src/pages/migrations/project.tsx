import { useRef, useState } from 'preact/hooks';
import { Link, useSearchParams } from 'wouter-preact';
import { api, call } from '../../api/client';
import type { AccountReport, MigrationAccountView, MigrationEvent, Page, ProjectView } from '../../api/migrations';
import { useI18n } from '../../i18n';
import { useAction, useResource } from '../../live';
import { Loaded } from '../../components/loaded';
import { Badge, csvField, download, Field, FormError, Notice, useTitle } from '../../components/ui';
import { useSession } from '../../session';
import { isoToZoned, zonedToIso } from '../../time';

/** Polling while anything runs; a finished pass shows within this without a reload. */
const LIVE_MS = 2_000;

export function ProjectPage({ params }: { params: { tenantId: string; projectId: string } }) {
  const { t, date } = useI18n();
  const { tenantId, projectId } = params;
  const path = { tenantId, projectId };
  const { me } = useSession();
  const canWrite = me.role === 'migration_engineer' || me.role === 'operator';
  const project = useResource(
    async () => (await call(api.GET('/tenants/{tenantId}/migrations/{projectId}', { params: { path } }))) as unknown as ProjectView,
    [tenantId, projectId],
    { everyMs: LIVE_MS },
  );
  const accounts = useResource(
    async () =>
      (await call(
        api.GET('/tenants/{tenantId}/migrations/{projectId}/accounts', { params: { path, query: { limit: 500 } } }),
      )) as unknown as Page<MigrationAccountView>,
    [tenantId, projectId],
    { everyMs: LIVE_MS },
  );
  const events = useResource(
    async () =>
      (await call(
        api.GET('/tenants/{tenantId}/migrations/{projectId}/events', { params: { path, query: { limit: 500 } } }),
      )) as unknown as Page<MigrationEvent>,
    [tenantId, projectId],
    { everyMs: 5_000 },
  );
  const [search, setSearch] = useSearchParams();
  const reportFor = search.get('report');
  useTitle(project.data?.name ?? t('projects'));

  const reloadAll = async () => {
    await Promise.all([project.reload(), accounts.reload(), events.reload()]);
  };
  const start = useAction(async (what: 'prestage' | 'retry') => {
    const r =
      what === 'prestage'
        ? await call(api.POST('/tenants/{tenantId}/migrations/{projectId}/prestage', { params: { path }, body: {} }))
        : await call(api.POST('/tenants/{tenantId}/migrations/{projectId}/retry', { params: { path }, body: {} }));
    await reloadAll();
    return r as unknown as { started?: number; accounts?: unknown[] };
  });

  return (
    <Loaded res={project}>
      {(p) => (
        <section data-page="project">
          <p>
            <Link href={`/t/${tenantId}/migrations`}>← {t('projects')}</Link>
          </p>
          <h1>
            {p.name} <Badge status={p.status} />
          </h1>
          <p>
            {t('sourceServer')}: {p.source.host}:{p.source.port} ({p.source.security}) · {t('accounts')}: {p.accounts.total}{' '}
            <small data-testid="by-status">
              {Object.entries(p.accounts.byStatus)
                .map(([s, n]) => `${s}: ${n}`)
                .join(', ')}
            </small>
          </p>
          {canWrite && (
            <div class="actions">
              <button
                type="button"
                onClick={() => void start.go('prestage')}
                aria-busy={start.pending}
                disabled={!p.accounts.byStatus.pending}
              >
                {t('prestage')}
              </button>
              <button type="button" class="secondary" onClick={() => void start.go('retry')} disabled={!p.accounts.byStatus.failed}>
                {t('retryFailed')}
              </button>
            </div>
          )}
          <FormError error={start.error} />
          <Loaded res={accounts}>{(a) => <Progress items={a.items} onReport={(id) => setSearch({ report: id })} />}</Loaded>
          {reportFor && <Report tenantId={tenantId} projectId={projectId} accountId={reportFor} />}
          <div class="grid">
            <DeltaSchedule project={p} canWrite={canWrite} onDone={reloadAll} />
            <Cutover project={p} canWrite={canWrite} onDone={reloadAll} />
          </div>
          <section class="card" aria-labelledby="hist-h">
            <h2 id="hist-h">{t('history')}</h2>
            <Loaded res={events}>
              {(e) => (
                <ol class="events" reversed>
                  {[...e.items]
                    .reverse()
                    .slice(0, 30)
                    .map((ev) => (
                      <li key={ev.id}>
                        <time dateTime={ev.at}>{date(ev.at, { dateStyle: 'short', timeStyle: 'medium' })}</time> {ev.message}
                      </li>
                    ))}
                </ol>
              )}
            </Loaded>
          </section>
        </section>
      )}
    </Loaded>
  );
}

interface Sample {
  at: number;
  messages: number;
  bytes: number;
}

/** Per account: status, messages and bytes so far, the rate between the last two polls, and the ETA at that rate. */
function Progress({ items, onReport }: { items: MigrationAccountView[]; onReport(id: string): void }) {
  const { t, bytes, num } = useI18n();
  const samples = useRef(new Map<string, { prev?: Sample; last: Sample }>());
  const now = Date.now();
  for (const a of items) {
    const s: Sample = { at: now, messages: a.progress.messagesDone ?? 0, bytes: a.progress.bytesDone ?? 0 };
    const e = samples.current.get(a.id);
    if (!e) samples.current.set(a.id, { last: s });
    else if (e.last.messages !== s.messages || e.last.bytes !== s.bytes) samples.current.set(a.id, { prev: e.last, last: s });
  }
  return (
    <section aria-labelledby="prog-h">
      <h2 id="prog-h">
        {t('progressTitle')} <small class="live-badge">{t('updatedLive')}</small>
      </h2>
      <div class="table-wrap">
        <table data-testid="progress">
          <thead>
            <tr>
              <th scope="col">{t('sourceUser')}</th>
              <th scope="col">{t('destination')}</th>
              <th scope="col">{t('status')}</th>
              <th scope="col">{t('messages')}</th>
              <th scope="col">{t('bytes')}</th>
              <th scope="col">{t('rate')}</th>
              <th scope="col">{t('eta')}</th>
              <th scope="col">{t('errors')}</th>
              <th scope="col">{t('report')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((a) => {
              const s = samples.current.get(a.id);
              const running = a.status === 'prestaging' || a.status === 'cutting-over';
              const dt = s?.prev ? (s.last.at - s.prev.at) / 1000 : 0;
              const rate = running && s?.prev && dt > 0 ? (s.last.messages - s.prev.messages) / dt : null;
              const left = (a.progress.messagesTotal ?? 0) - (a.progress.messagesDone ?? 0);
              const eta = rate && rate > 0 && left > 0 ? Math.round(left / rate) : null;
              return (
                <tr key={a.id} data-source={a.sourceUser} data-status={a.status}>
                  <td>{a.sourceUser}</td>
                  <td>{a.destinationAddress}</td>
                  <td>
                    <Badge status={a.status} />
                    {a.phase && <small> ({a.phase})</small>}
                  </td>
                  <td class="num">
                    {num(a.progress.messagesDone ?? 0)}
                    {a.progress.messagesTotal !== null && ` / ${num(a.progress.messagesTotal)}`}
                  </td>
                  <td class="num">{bytes(a.progress.bytesDone ?? a.bytesCopiedTotal)}</td>
                  <td class="num">{rate !== null ? `${num(rate)}/s` : '–'}</td>
                  <td class="num">{eta !== null ? `${eta} s` : '–'}</td>
                  <td>
                    {a.failedMessages > 0 && `${a.failedMessages} `}
                    {a.lastError && <span class="error-text">{a.lastError}</span>}
                  </td>
                  <td>
                    <button type="button" class="link" onClick={() => onReport(a.id)}>
                      {t('showReport')} <span class="visually-hidden">{a.sourceUser}</span>
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function DeltaSchedule({ project, canWrite, onDone }: { project: ProjectView; canWrite: boolean; onDone(): Promise<void> }) {
  const { t } = useI18n();
  const path = { tenantId: project.tenantId, projectId: project.id };
  const [minutes, setMinutes] = useState(String(project.deltaIntervalMinutes ?? 60));
  const save = useAction(async () => {
    await call(
      api.PUT('/tenants/{tenantId}/migrations/{projectId}/delta-schedule', {
        params: { path },
        body: { intervalMinutes: Number(minutes) },
      }),
    );
    await onDone();
  });
  const stop = useAction(async () => {
    await call(api.DELETE('/tenants/{tenantId}/migrations/{projectId}/delta-schedule', { params: { path } }));
    await onDone();
  });
  return (
    <section class="card" aria-labelledby="delta-h">
      <h2 id="delta-h">{t('deltaSchedule')}</h2>
      <p data-testid="delta-state">{project.deltaIntervalMinutes ? t('deltaOn', { n: project.deltaIntervalMinutes }) : t('deltaOff')}</p>
      {canWrite && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void save.go();
          }}
        >
          <Field label={t('everyMinutes')} name="intervalMinutes" error={save.error}>
            {(p) => <input {...p} inputMode="numeric" value={minutes} onInput={(e) => setMinutes(e.currentTarget.value)} />}
          </Field>
          <FormError error={save.error ?? stop.error} fields={['intervalMinutes']} />
          <div class="actions">
            <button type="submit" aria-busy={save.pending}>
              {t('startDelta')}
            </button>
            {project.deltaIntervalMinutes && (
              <button type="button" class="secondary" onClick={() => void stop.go()}>
                {t('stopDelta')}
              </button>
            )}
          </div>
        </form>
      )}
    </section>
  );
}

function Cutover({ project, canWrite, onDone }: { project: ProjectView; canWrite: boolean; onDone(): Promise<void> }) {
  const { t, date } = useI18n();
  const path = { tenantId: project.tenantId, projectId: project.id };
  const zone = project.timeZone;
  const initial = project.cutoverAt
    ? isoToZoned(project.cutoverAt, zone)
    : isoToZoned(new Date(Date.now() + 86_400_000).toISOString(), zone);
  const [day, setDay] = useState(initial.date);
  const [time, setTime] = useState(initial.time.slice(0, 5));
  const [reason, setReason] = useState('');
  const schedule = useAction(async () => {
    await call(
      api.PUT('/tenants/{tenantId}/migrations/{projectId}/cutover', { params: { path }, body: { at: zonedToIso(day, time, zone) } }),
    );
    await onDone();
    return true;
  });
  const rollback = useAction(async () => {
    await call(api.POST('/tenants/{tenantId}/migrations/{projectId}/rollback', { params: { path }, body: reason ? { reason } : {} }));
    await onDone();
    return true;
  });
  const open = project.status === 'active' || project.status === 'cutover-scheduled';
  return (
    <section class="card" aria-labelledby="cut-h">
      <h2 id="cut-h">{t('cutover')}</h2>
      <p data-testid="cutover-state">
        {project.cutoverAt
          ? t('cutoverAt', { at: date(project.cutoverAt, { dateStyle: 'full', timeStyle: 'medium', timeZone: zone }), zone })
          : t('noCutover')}
      </p>
      {canWrite && open && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void schedule.go();
          }}
        >
          <div class="grid">
            <Field label={t('cutoverDate')} name="at" error={schedule.error}>
              {(p) => <input {...p} type="date" required value={day} onInput={(e) => setDay(e.currentTarget.value)} />}
            </Field>
            <Field label={t('cutoverTime')} name="cutoverTime">
              {(p) => <input {...p} type="time" step={1} required value={time} onInput={(e) => setTime(e.currentTarget.value)} />}
            </Field>
          </div>
          <p class="hint" data-testid="zone">
            {t('timeZone')}: {zone}
          </p>
          <FormError error={schedule.error} fields={['at']} />
          <button type="submit" aria-busy={schedule.pending}>
            {project.cutoverAt ? t('moveCutover') : t('scheduleCutover')}
          </button>
        </form>
      )}
      {canWrite && open && (
        <form
          class="rollback"
          onSubmit={(e) => {
            e.preventDefault();
            void rollback.go();
          }}
        >
          <Field label={t('rollbackReason')} name="reason" error={rollback.error}>
            {(p) => <input {...p} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />}
          </Field>
          <FormError error={rollback.error} fields={['reason']} />
          <button type="submit" class="contrast" aria-busy={rollback.pending}>
            {t('rollback')}
          </button>
        </form>
      )}
      {rollback.result && <Notice>{t('rollback')} ✓</Notice>}
    </section>
  );
}

/** The CSV of a verification report: one line per folder, then one per missing message. */
export function reportCsv(r: AccountReport): string {
  const head = [
    'source_user',
    'destination',
    'folder',
    'dest_folder',
    'source_count',
    'dest_count',
    'matched',
    'missing',
    'missing_uid',
    'message_id',
    'subject',
    'date',
    'size',
  ];
  const lines = [head.join(',')];
  for (const f of r.verification?.folders ?? []) {
    const base = [
      r.account.sourceUser,
      r.account.destinationAddress,
      f.sourcePath,
      f.destPath,
      f.sourceCount,
      f.destCount,
      f.matched,
      f.missingCount,
    ];
    lines.push([...base, '', '', '', '', ''].map(csvField).join(','));
    for (const m of f.missing)
      lines.push([...base, m.uid, m.messageId ?? '', m.subject ?? '', m.date ?? '', m.size].map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

function Report({ tenantId, projectId, accountId }: { tenantId: string; projectId: string; accountId: string }) {
  const { t, date, num } = useI18n();
  const report = useResource(
    async () =>
      (await call(
        api.GET('/tenants/{tenantId}/migrations/{projectId}/accounts/{accountId}/report', {
          params: { path: { tenantId, projectId, accountId } },
        }),
      )) as unknown as AccountReport,
    [tenantId, projectId, accountId],
    { everyMs: 5_000 },
  );
  return (
    <section class="card" aria-labelledby="report-h" data-testid="report">
      <Loaded res={report}>
        {(r) => {
          const v = r.verification;
          const name = `verification-${r.account.sourceUser.replace(/[^A-Za-z0-9._-]+/g, '_')}`;
          return (
            <>
              <h2 id="report-h">
                {t('report')}: {r.account.sourceUser} → {r.account.destinationAddress}
              </h2>
              {!v ? (
                <p>{t('noReport')}</p>
              ) : (
                <>
                  <p class={v.verified ? 'ok-text' : 'error-text'} data-testid="verified">
                    {v.verified ? t('verifiedYes') : t('verifiedNo')} ({date(v.finishedAt)}) <code>{v.manifestDigest.slice(0, 16)}…</code>
                  </p>
                  <div class="actions">
                    <button
                      type="button"
                      class="secondary"
                      onClick={() => download(`${name}.json`, 'application/json', JSON.stringify(r, null, 2))}
                    >
                      {t('downloadJson')}
                    </button>
                    <button type="button" class="secondary" onClick={() => download(`${name}.csv`, 'text/csv', reportCsv(r))}>
                      {t('downloadCsv')}
                    </button>
                  </div>
                  <div class="table-wrap">
                    <table>
                      <thead>
                        <tr>
                          <th scope="col">{t('folder')}</th>
                          <th scope="col">{t('sourceCount')}</th>
                          <th scope="col">{t('destCount')}</th>
                          <th scope="col">{t('matched')}</th>
                          <th scope="col">{t('missing')}</th>
                        </tr>
                      </thead>
                      <tbody>
                        {v.folders.map((f) => (
                          <tr key={f.sourcePath}>
                            <td>
                              {f.sourcePath}
                              {f.destPath !== f.sourcePath && <small> → {f.destPath}</small>}
                            </td>
                            <td class="num">{num(f.sourceCount)}</td>
                            <td class="num">{num(f.destCount)}</td>
                            <td class="num">{num(f.matched)}</td>
                            <td class="num">{num(f.missingCount)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                  {v.folders.some((f) => f.missing.length > 0) && (
                    <>
                      <h3>{t('missingMessages')}</h3>
                      <ul>
                        {v.folders.flatMap((f) =>
                          f.missing.map((m) => (
                            <li key={`${f.sourcePath}:${m.uid}`}>
                              {f.sourcePath} UID {m.uid}: {m.subject ?? ''} {m.messageId ? `<${m.messageId}>` : ''}
                            </li>
                          )),
                        )}
                      </ul>
                    </>
                  )}
                </>
              )}
            </>
          );
        }}
      </Loaded>
    </section>
  );
}
