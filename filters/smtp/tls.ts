import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../platform/config';

/**
 * The certificate STARTTLS offers: the configured PEM files (POSTWERK_SMTP_TLS_CERT/KEY), or in the
 * embedded mode a self-signed pair generated once into the state folder (files 0600) and reused.
 * Sending MTAs do opportunistic TLS and accept a self-signed certificate; production configures a real one.
 */
export async function ingressTls(config: Pick<Config, 'home' | 'smtp'>): Promise<{ key: Buffer; cert: Buffer }> {
  if (config.smtp.tlsCert && config.smtp.tlsKey) {
    return { cert: await fsp.readFile(config.smtp.tlsCert), key: await fsp.readFile(config.smtp.tlsKey) };
  }
  const dir = path.join(config.home, 'smtp-tls');
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  try {
    return { cert: await fsp.readFile(certFile), key: await fsp.readFile(keyFile) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const selfsigned = await import('selfsigned');
  const pems = await selfsigned.generate([{ name: 'commonName', value: config.smtp.hostname }], {
    keySize: 2048,
    algorithm: 'sha256',
    days: 3650,
  } as Parameters<typeof selfsigned.generate>[1]);
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  // key first: a cert without its key is regenerated, a key without its cert too (both are read above)
  await fsp.writeFile(`${keyFile}.tmp`, pems.private, { mode: 0o600 });
  await fsp.writeFile(`${certFile}.tmp`, pems.cert, { mode: 0o600 });
  await fsp.rename(`${keyFile}.tmp`, keyFile);
  await fsp.rename(`${certFile}.tmp`, certFile);
  return { cert: Buffer.from(pems.cert), key: Buffer.from(pems.private) };
}
