import { AppError } from './errors';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

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
