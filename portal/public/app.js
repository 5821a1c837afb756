// The portal: a thin client of the control-plane API (/api/v1), signed in with a session cookie.
'use strict';
const API = '/api/v1';
const MiB = 1024 * 1024;
const $ = (sel) => document.querySelector(sel);

function fmtBytes(n) {
  if (n == null) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${Number.isInteger(n) ? n : n.toFixed(1)} ${units[i]}`;
}

function say(text, kind = 'ok') {
  const el = $('#message');
  el.textContent = text;
  el.className = kind;
}

async function api(method, path, body) {
  const res = await fetch(API + path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
    credentials: 'same-origin',
  });
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error(data.error ? data.error.message : `HTTP ${res.status}`);
    err.status = res.status;
    throw err;
  }
  return data;
}

function show(id) {
  for (const s of document.querySelectorAll('main > section')) s.hidden = s.id !== id;
}

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

async function showTenants() {
  const page = await api('GET', '/tenants?limit=200');
  const tbody = $('#tenants tbody');
  tbody.replaceChildren();
  for (const t of page.items) {
    const tr = document.createElement('tr');
    tr.className = 'link';
    tr.append(cell(t.name), cell(t.slug), cell(t.status), cell(fmtBytes(t.poolBytes)));
    tr.onclick = () => showTenant(t.id);
    tbody.append(tr);
  }
  show('tenants');
}

async function showTenant(tenantId) {
  const [tenant, pool, accounts, notes] = await Promise.all([
    api('GET', `/tenants/${tenantId}`),
    api('GET', `/tenants/${tenantId}/quota`),
    api('GET', `/tenants/${tenantId}/quota/accounts?limit=500`),
    api('GET', `/tenants/${tenantId}/quota/notifications?limit=20`).catch(() => ({ items: [] })),
  ]);
  $('#tenant-name').textContent = tenant.name;
  const used = pool.poolBytes ? Math.min(100, (100 * pool.allocatedBytes) / pool.poolBytes) : 0;
  $('#pool').innerHTML = '';
  const p = document.createElement('p');
  p.textContent =
    `Pool ${fmtBytes(pool.poolBytes)}: ${fmtBytes(pool.allocatedBytes)} allocated, ${fmtBytes(pool.freeBytes)} free, ${fmtBytes(pool.usedBytes)} used by ${pool.accounts} accounts.` +
    (pool.forecast && pool.forecast.fullAt ? ` At the current rate the pool is full on ${pool.forecast.fullAt.slice(0, 10)}.` : '');
  const bar = document.createElement('div');
  bar.className = 'bar';
  bar.innerHTML = `<span style="width:${used}%"></span>`;
  $('#pool').append(p, bar);

  const tbody = $('#reassign tbody');
  tbody.replaceChildren();
  for (const a of accounts.items) {
    const tr = document.createElement('tr');
    const input = document.createElement('input');
    input.type = 'number';
    input.min = '1';
    input.step = '1';
    input.value = String(Math.round(a.allocationBytes / MiB));
    input.dataset.accountId = a.accountId;
    input.dataset.original = input.value;
    const td = document.createElement('td');
    td.append(input);
    tr.append(cell(a.address), cell(a.status), cell(a.usedBytes == null ? '–' : `${fmtBytes(a.usedBytes)} (${a.percent ?? 0} %)`), td);
    tbody.append(tr);
  }
  $('#reassign').onsubmit = async (ev) => {
    ev.preventDefault();
    const changes = [...tbody.querySelectorAll('input')]
      .filter((i) => i.value !== i.dataset.original)
      .map((i) => ({ accountId: i.dataset.accountId, allocationBytes: Number(i.value) * MiB }));
    if (!changes.length) return say('Nothing changed.');
    try {
      await api('POST', `/tenants/${tenantId}/quota/reassignments`, { changes });
      say(`Applied ${changes.length} allocation change(s).`);
      await showTenant(tenantId);
    } catch (e) {
      say(e.message, 'error');
    }
  };
  const list = $('#notifications');
  if (!notes.items.length) {
    const li = document.createElement('li');
    li.textContent = 'No notifications.';
    list.replaceChildren(li);
  } else
    list.replaceChildren(
      ...notes.items.map((n) => {
        const li = document.createElement('li');
        li.textContent = `${n.createdAt.slice(0, 16).replace('T', ' ')} ${n.address} crossed ${n.threshold} % of its allocation (${fmtBytes(n.usedBytes)} of ${fmtBytes(n.allocationBytes)})`;
        return li;
      }),
    );
  show('tenant');
}

async function start() {
  let me;
  try {
    me = await api('GET', '/auth/me');
  } catch {
    $('#who').textContent = '';
    $('#signout').hidden = true;
    show('signin');
    return;
  }
  $('#who').textContent = `${me.label} (${me.role})`;
  $('#signout').hidden = false;
  if (me.tenantId) await showTenant(me.tenantId);
  else await showTenants();
}

$('#signin-form').onsubmit = async (ev) => {
  ev.preventDefault();
  const form = new FormData(ev.target);
  try {
    await api('POST', '/auth/session', { email: form.get('email'), password: form.get('password') });
    say('');
    await start();
  } catch (e) {
    say(e.message, 'error');
  }
};
$('#signout').onclick = async () => {
  await api('DELETE', '/auth/session').catch(() => undefined);
  await start();
};
start().catch((e) => say(e.message, 'error'));
