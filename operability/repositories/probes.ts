import type { Knex } from 'knex';
import type { IncidentRow, ProbeHourlyRow, ProbeRunRow, ProbeSettingsRow } from './rows';

/** The only SQL of operability/: settings, raw runs, hourly rollups and incidents. */
type Q = Knex;

export async function findSettings(q: Q, tenantId: string): Promise<ProbeSettingsRow | undefined> {
  return q<ProbeSettingsRow>('probe_settings').where({ tenant_id: tenantId }).first();
}

export async function allSettings(q: Q): Promise<ProbeSettingsRow[]> {
  return q<ProbeSettingsRow>('probe_settings').select('*');
}

export async function saveSettings(q: Q, row: ProbeSettingsRow): Promise<void> {
  await q('probe_settings').insert(row).onConflict('tenant_id').merge();
}

/** False when a run of the same slot (job id) is stored already: the job ran again after its worker died. */
export async function insertRun(q: Q, row: Omit<ProbeRunRow, 'id'>): Promise<boolean> {
  if (!row.slot) {
    await q('probe_runs').insert(row);
    return true;
  }
  const r = await q('probe_runs').insert(row).onConflict('slot').ignore().returning('id');
  return r.length > 0;
}

export async function insertRuns(q: Q, rows: Array<Omit<ProbeRunRow, 'id'>>): Promise<void> {
  if (rows.length) await q.batchInsert('probe_runs', rows, 500);
}

/** The newest runs of a tenant, newest first. */
export async function latestRuns(q: Q, tenantId: string, limit: number): Promise<ProbeRunRow[]> {
  return q<ProbeRunRow>('probe_runs').where({ tenant_id: tenantId }).orderBy('at', 'desc').orderBy('id', 'desc').limit(limit);
}

/** Runs of a tenant since a time, oldest first. */
export async function runsSince(q: Q, tenantId: string, since: string): Promise<ProbeRunRow[]> {
  return q<ProbeRunRow>('probe_runs').where({ tenant_id: tenantId }).andWhere('at', '>=', since).orderBy('at').orderBy('id');
}

/** Runs of a tenant in [from, to), oldest first. */
export async function runsBetween(q: Q, tenantId: string, from: string, to: string): Promise<ProbeRunRow[]> {
  return q<ProbeRunRow>('probe_runs')
    .where({ tenant_id: tenantId })
    .andWhere('at', '>=', from)
    .andWhere('at', '<', to)
    .orderBy('at')
    .orderBy('id');
}

/** Every tenant's runs since a time (the /metrics window), with the tenant's slug. */
export async function recentRunsWithSlug(q: Q, since: string): Promise<Array<ProbeRunRow & { slug: string }>> {
  return q('probe_runs as r').join('tenants as t', 't.id', 'r.tenant_id').where('r.at', '>=', since).select('r.*', 't.slug as slug');
}

/** Distinct (tenant, hour) of raw runs in [from, to): what the rollup has to (re)compute. */
export async function hoursWithRuns(q: Q, from: string, to: string): Promise<Array<{ tenant_id: string; hour: string }>> {
  return q('probe_runs').where('at', '>=', from).andWhere('at', '<', to).distinct('tenant_id', q.raw('substr(at, 1, 13) as hour'));
}

export async function saveHourly(q: Q, row: ProbeHourlyRow): Promise<void> {
  await q('probe_hourly').insert(row).onConflict(['tenant_id', 'hour']).merge();
}

/** Hourly rows of a tenant for hours in [fromHour, toHour). */
export async function hourlyBetween(q: Q, tenantId: string, fromHour: string, toHour: string): Promise<ProbeHourlyRow[]> {
  return q<ProbeHourlyRow>('probe_hourly')
    .where({ tenant_id: tenantId })
    .andWhere('hour', '>=', fromHour)
    .andWhere('hour', '<', toHour)
    .orderBy('hour');
}

export async function deleteRunsBefore(q: Q, before: string): Promise<number> {
  return q('probe_runs').where('at', '<', before).del();
}

export async function deleteHourlyBefore(q: Q, beforeHour: string): Promise<number> {
  return q('probe_hourly').where('hour', '<', beforeHour).del();
}

export async function openIncident(q: Q, tenantId: string): Promise<IncidentRow | undefined> {
  return q<IncidentRow>('probe_incidents').where({ tenant_id: tenantId }).whereNull('closed_at').first();
}

/** Inserts an open incident; false when the tenant has one open already (the partial unique index). */
export async function insertIncident(q: Q, row: IncidentRow): Promise<boolean> {
  const before = await openIncident(q, row.tenant_id);
  if (before) return false;
  await q('probe_incidents').insert(row);
  return true;
}

export async function closeIncident(q: Q, id: string, at: string): Promise<boolean> {
  return (await q('probe_incidents').where({ id }).whereNull('closed_at').update({ closed_at: at })) > 0;
}

export async function findIncident(q: Q, id: string): Promise<IncidentRow | undefined> {
  return q<IncidentRow>('probe_incidents').where({ id }).first();
}

export async function annotateIncident(q: Q, id: string, patch: Pick<IncidentRow, 'cause' | 'fix' | 'annotated_by' | 'annotated_at'>) {
  await q('probe_incidents').where({ id }).update(patch);
}

/** Incidents that overlap [from, to) (opened before `to`, not closed before `from`), oldest first; all tenants when tenantId is null. */
export async function incidentsOverlapping(
  q: Q,
  opts: { tenantId: string | null; from: string; to: string; openOnly?: boolean; limit: number },
): Promise<IncidentRow[]> {
  const query = q<IncidentRow>('probe_incidents').where('opened_at', '<', opts.to);
  if (opts.tenantId) query.andWhere({ tenant_id: opts.tenantId });
  if (opts.openOnly) query.whereNull('closed_at');
  else query.andWhere((w) => w.whereNull('closed_at').orWhere('closed_at', '>=', opts.from));
  return query.orderBy('opened_at').limit(opts.limit);
}

/** Open incidents per tenant slug (the /metrics gauge). */
export async function openIncidentCounts(q: Q): Promise<Array<{ slug: string; n: number }>> {
  const rows: Array<{ slug: string; n: number | string }> = await q('probe_incidents as i')
    .join('tenants as t', 't.id', 'i.tenant_id')
    .whereNull('i.closed_at')
    .groupBy('t.slug')
    .select('t.slug as slug', q.raw('count(*) as n'));
  return rows.map((r) => ({ slug: String(r.slug), n: Number(r.n) }));
}

/**
 * (tenant, hour) pairs of raw runs in [from, to) that the rollup must (re)compute: those without an
 * hourly row yet, and every one from `recentFrom` on (a run stored late, a slow delivery step).
 */
export async function hoursToRoll(q: Q, from: string, to: string, recentFrom: string): Promise<Array<{ tenant_id: string; hour: string }>> {
  const rows = await q('probe_runs as r')
    .where('r.at', '>=', from)
    .andWhere('r.at', '<', to)
    .andWhere((w) =>
      w
        .where('r.at', '>=', recentFrom)
        .orWhereNotExists(
          q('probe_hourly as h').whereRaw('h.tenant_id = r.tenant_id').andWhereRaw('h.hour = substr(r.at, 1, 13)').select(q.raw('1')),
        ),
    )
    .distinct('r.tenant_id as tenant_id', q.raw('substr(r.at, 1, 13) as hour'));
  return rows.map((r: { tenant_id: string; hour: string }) => ({ tenant_id: String(r.tenant_id), hour: String(r.hour) }));
}

/** Table sizes for the storage bench: rows, and bytes where the database says (PostgreSQL). */
export async function tableRows(q: Q, table: 'probe_runs' | 'probe_hourly'): Promise<number> {
  const r = await q(table).count({ n: '*' }).first();
  return Number(r?.n ?? 0);
}

/**
 * Bytes a table takes with its indexes: PostgreSQL's pg_total_relation_size; on SQLite the pages the
 * dbstat table counts for the table and its indexes.
 */
export async function tableBytes(q: Q, table: 'probe_runs' | 'probe_hourly'): Promise<number> {
  if (q.client.config.client === 'pg') {
    const r = await q.raw('SELECT pg_total_relation_size(?) AS n', [table]);
    return Number(r.rows[0].n);
  }
  const r = await q.raw(
    `SELECT COALESCE(SUM(pgsize), 0) AS n FROM dbstat WHERE name = ? OR name IN (SELECT name FROM sqlite_master WHERE tbl_name = ? AND type = 'index')`,
    [table, table],
  );
  return Number((r as Array<{ n: number }>)[0]!.n);
}
