// Reassignment in one form: rows of account and new allocation, a "move N MiB from A to B" helper
// that fills them, and the free pool recomputed as the numbers change. A refusal is explained with
// the API's numbers (what the change needs, what is free, the pool) next to what caused it.
import { useId, useState } from 'preact/hooks';
import { api, call, type ApiError } from '../api/client';
import { useI18n } from '../i18n';
import { useAction } from '../live';
import { Field, FormError, MiB, Notice } from './ui';

export interface PoolNumbers {
  poolBytes: number;
  allocatedBytes: number;
  freeBytes: number;
}
export interface AccountAllocation {
  accountId: string;
  address: string;
  allocationBytes: number;
  status: string;
}

interface Row {
  accountId: string;
  mib: string;
}

const toMiB = (b: number) => String(Math.round((b / MiB) * 100) / 100);

export function ReassignForm(props: { tenantId: string; pool: PoolNumbers; accounts: AccountAllocation[]; onDone(): void }) {
  const { t, bytes } = useI18n();
  const usable = props.accounts.filter((a) => a.status !== 'deleting');
  const byId = new Map(usable.map((a) => [a.accountId, a]));
  const [rows, setRows] = useState<Row[]>([{ accountId: '', mib: '' }]);
  const [move, setMove] = useState({ from: '', to: '', mib: '100' });
  const uid = useId();

  const changes = rows
    .filter((r) => r.accountId && r.mib.trim() !== '' && byId.has(r.accountId))
    .map((r) => ({ accountId: r.accountId, allocationBytes: Math.round(Number(r.mib.replace(',', '.')) * MiB) }));
  const valid = changes.length > 0 && changes.every((c) => Number.isFinite(c.allocationBytes) && c.allocationBytes > 0);
  const delta = changes.reduce(
    (s, c) => s + (Number.isFinite(c.allocationBytes) ? c.allocationBytes - byId.get(c.accountId)!.allocationBytes : 0),
    0,
  );
  const freeAfter = props.pool.freeBytes - delta;

  const apply = useAction(async () => {
    const r = await call(
      api.POST('/tenants/{tenantId}/quota/reassignments', { params: { path: { tenantId: props.tenantId } }, body: { changes } }),
    );
    setRows([{ accountId: '', mib: '' }]);
    props.onDone();
    return r;
  });

  const set = (i: number, patch: Partial<Row>) => setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const fillMove = () => {
    const from = byId.get(move.from);
    const to = byId.get(move.to);
    const amount = Number(move.mib.replace(',', '.')) * MiB;
    if (!from || !to || !Number.isFinite(amount)) return;
    setRows([
      { accountId: from.accountId, mib: toMiB(from.allocationBytes - amount) },
      { accountId: to.accountId, mib: toMiB(to.allocationBytes + amount) },
    ]);
  };
  const rowError = (i: number): ApiError | undefined => {
    const e = apply.error;
    if (!e) return undefined;
    if (e.code === 'below_usage' && Array.isArray(e.details)) {
      const hit = (e.details as Array<{ accountId: string }>).some((d) => d.accountId === changes[i]?.accountId);
      return hit ? e : undefined;
    }
    return undefined;
  };

  return (
    <section class="card" aria-labelledby="reassign-h">
      <h2 id="reassign-h">{t('reassign')}</h2>
      <p>{t('reassignHelp')}</p>
      <fieldset class="move">
        <legend>
          {t('moveFrom')} … {t('moveTo')} …
        </legend>
        <div class="grid-inline">
          <div>
            <label for={`${uid}-from`}>{t('moveFrom')}</label>
            <select
              id={`${uid}-from`}
              name="moveFrom"
              value={move.from}
              onChange={(e) => setMove({ ...move, from: e.currentTarget.value })}
            >
              <option value="">–</option>
              {usable.map((a) => (
                <option key={a.accountId} value={a.accountId}>
                  {a.address}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for={`${uid}-to`}>{t('moveTo')}</label>
            <select id={`${uid}-to`} name="moveTo" value={move.to} onChange={(e) => setMove({ ...move, to: e.currentTarget.value })}>
              <option value="">–</option>
              {usable.map((a) => (
                <option key={a.accountId} value={a.accountId}>
                  {a.address}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for={`${uid}-mib`}>{t('amountMiB')}</label>
            <input
              id={`${uid}-mib`}
              name="moveMiB"
              inputMode="decimal"
              value={move.mib}
              onInput={(e) => setMove({ ...move, mib: e.currentTarget.value })}
            />
          </div>
          <button type="button" class="secondary" onClick={fillMove} disabled={!move.from || !move.to || move.from === move.to}>
            {t('fillRows')}
          </button>
        </div>
      </fieldset>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void apply.go();
        }}
      >
        {rows.map((r, i) => (
          <div class="grid-inline row" key={i}>
            <Field label={t('account')} name={`changes.${i}.accountId`} error={apply.error}>
              {(p) => (
                <select
                  {...p}
                  value={r.accountId}
                  onChange={(e) =>
                    set(i, { accountId: e.currentTarget.value, mib: r.mib || toMiB(byId.get(e.currentTarget.value)?.allocationBytes ?? 0) })
                  }
                >
                  <option value="">–</option>
                  {usable.map((a) => (
                    <option key={a.accountId} value={a.accountId}>
                      {a.address} ({bytes(a.allocationBytes)})
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={t('newAllocationMiB')} name={`changes.${i}.allocationBytes`} error={rowError(i) ?? apply.error}>
              {(p) => <input {...p} inputMode="decimal" value={r.mib} onInput={(e) => set(i, { mib: e.currentTarget.value })} />}
            </Field>
            {rowError(i) && (
              <small class="field-error" role="alert">
                {rowError(i)!.message}
              </small>
            )}
          </div>
        ))}
        <button type="button" class="secondary outline" onClick={() => setRows([...rows, { accountId: '', mib: '' }])}>
          {t('addRow')}
        </button>
        <p class={`live-free ${freeAfter < 0 ? 'over' : ''}`} aria-live="polite" data-testid="free-after">
          {t('freeAfter', { free: bytes(freeAfter), pool: bytes(props.pool.poolBytes) })}
          {freeAfter < 0 && <> — {t('overBy', { bytes: bytes(-freeAfter) })}</>}
        </p>
        {apply.error?.code === 'pool_exceeded' && <PoolRefusal error={apply.error} />}
        <FormError
          error={apply.error?.code === 'pool_exceeded' || apply.error?.code === 'below_usage' ? undefined : apply.error}
          fields={['changes']}
        />
        {apply.result && !apply.error && <Notice>{t('reassigned')}</Notice>}
        <button type="submit" disabled={!valid || apply.pending} aria-busy={apply.pending}>
          {t('apply')}
        </button>
      </form>
    </section>
  );
}

function PoolRefusal({ error }: { error: ApiError }) {
  const { t, bytes } = useI18n();
  const d = error.details as { poolBytes: number; allocatedBytes: number; freeBytes: number; requestedIncreaseBytes: number } | null;
  return (
    <div class="refusal" role="alert" data-testid="refusal">
      <strong>{t('refused')}:</strong> {error.message}
      {d && (
        <p>
          {t('needsMore', {
            need: bytes(d.requestedIncreaseBytes),
            free: bytes(Math.max(0, d.freeBytes)),
            pool: bytes(d.poolBytes),
            allocated: bytes(d.allocatedBytes),
          })}
        </p>
      )}
    </div>
  );
}
