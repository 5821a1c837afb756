import { AppError } from './errors';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { Agent, fetch as undiciFetch, type RequestInit, type Response } from 'undici';

/**
 * Guards requests that Postwerk makes to URLs its users chose (tenant webhooks): unless the operator
 * allows it, they may not reach loopback, private, link-local or unique-local addresses, or a tenant
 * could use the platform to probe the provider's internal network (SSRF). Every address the name
 * resolves to is checked.
 */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    return mapped ? PRIVATE.check(mapped[1]!, 'ipv4') : PRIVATE.check(address, 'ipv6');
  }
  return true;
}

/** Throws, naming the address, when `url` leads to a non-public address and that is not allowed. */
export async function assertPublicDestination(url: string, opts: { allowPrivate: boolean }): Promise<void> {
  await assertPublicHost(new URL(url).hostname, { ...opts, setting: 'POSTWERK_WEBHOOK_ALLOW_PRIVATE' });
}

/** The same guard for a bare host name (migration sources): `setting` is the variable that allows it. */
export async function assertPublicHost(hostname: string, opts: { allowPrivate: boolean; setting: string }): Promise<void> {
  if (opts.allowPrivate) return;
  const host = hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  const blocked = addresses.find(isPrivateAddress);
  if (blocked) {
    throw new AppError('forbidden', `${host} resolves to ${blocked}, a non-public address (set ${opts.setting}=true to allow)`);
  }
}

/**
 * Resolves `hostname` once and checks every address; the caller connects to these and no others.
 * Returns them as net's lookup hands them on.
 */
async function resolveChecked(hostname: string, opts: { allowPrivate: boolean; setting: string }) {
  const answers = await lookup(hostname, { all: true });
  const blocked = opts.allowPrivate ? undefined : answers.find((a) => isPrivateAddress(a.address));
  if (blocked) {
    throw new AppError('forbidden', `${hostname} resolves to ${blocked.address}, a non-public address (set ${opts.setting}=true to allow)`);
  }
  return answers;
}

/**
 * The socket's DNS lookup is the guard: the name is resolved once, checked, and the connection goes to
 * exactly the address checked. A second resolution at connect time (DNS rebinding: public when checked,
 * 127.0.0.1 a moment later) cannot happen. The URL is untouched, so Host and TLS SNI stay the name.
 */
function guardedLookup(opts: { allowPrivate: boolean; setting: string }): LookupFunction {
  return (hostname, options, callback) => {
    resolveChecked(hostname, opts).then(
      (answers) => {
        const wanted = options.family ? answers.filter((a) => a.family === options.family) : answers;
        if (options.all) return callback(null, wanted);
        const first = wanted[0];
        if (!first)
          return callback(Object.assign(new Error(`${hostname}: no address of family ${options.family}`), { code: 'ENOTFOUND' }), '', 0);
        callback(null, first.address, first.family);
      },
      (e: Error) => callback(e, '', 0),
    );
  };
}

const agents = new Map<string, Agent>();

/**
 * fetch for URLs users chose: an IP literal is checked before, a name at connect (guardedLookup). A
 * refusal rejects with the AppError, not undici's generic "fetch failed".
 */
export async function guardedFetch(url: string, init: RequestInit, opts: { allowPrivate: boolean; setting: string }): Promise<Response> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) await assertPublicHost(host, opts);
  const key = `${opts.allowPrivate}:${opts.setting}`;
  let agent = agents.get(key);
  if (!agent) agents.set(key, (agent = new Agent({ connect: { lookup: guardedLookup(opts) } })));
  try {
    return await undiciFetch(url, { ...init, dispatcher: agent });
  } catch (e) {
    const cause = (e as { cause?: unknown }).cause;
    throw cause instanceof Error ? cause : e;
  }
}
