import { loadConfig, ConfigError, parseEnvFile } from './config';
import os from 'node:os';
import path from 'node:path';

const home = path.join(os.tmpdir(), `pw-config-test-${process.pid}`);

describe('loadConfig', () => {
  it('gives the embedded defaults', () => {
    const c = loadConfig({ POSTWERK_HOME: home });
    expect(c.db).toEqual({ client: 'sqlite', filename: path.join(home, 'postwerk.db'), poolMax: 1 });
    expect(c.api.port).toBe(8080);
    expect(c.secretKey).toHaveLength(32);
    // the generated key is kept: a second load reads the same one
    expect(loadConfig({ POSTWERK_HOME: home }).secretKey.equals(c.secretKey)).toBe(true);
  });

  it('names the variable and what is allowed', () => {
    expect(() => loadConfig({ POSTWERK_HOME: home, POSTWERK_DB_CLIENT: 'mysql' })).toThrow(
      /POSTWERK_DB_CLIENT="mysql": must be one of sqlite, postgres/,
    );
    expect(() => loadConfig({ POSTWERK_HOME: home, POSTWERK_API_PORT: '99999' })).toThrow(/POSTWERK_API_PORT="99999"/);
  });

  it("tells mail clients the public endpoints: the public URL's host and the standard ports unless set", () => {
    const c = loadConfig({ POSTWERK_HOME: home, POSTWERK_PUBLIC_URL: 'https://portal.example.net' });
    expect(c.clientSetup).toEqual({
      imapHost: 'portal.example.net',
      imapsPort: 993,
      imapPort: 143,
      submissionHost: 'portal.example.net',
      submissionsPort: 465,
      submissionPort: 587,
      webHost: 'portal.example.net',
      webPort: 443,
    });
    const set = loadConfig({
      POSTWERK_HOME: home,
      POSTWERK_PUBLIC_MAIL_HOST: 'Mail.Example.net',
      POSTWERK_PUBLIC_SUBMISSION_HOST: 'smtp.example.net',
      POSTWERK_PUBLIC_IMAPS_PORT: '10993',
    }).clientSetup;
    expect(set).toMatchObject({ imapHost: 'mail.example.net', imapsPort: 10993, submissionHost: 'smtp.example.net', webPort: 8080 });
    expect(() => loadConfig({ POSTWERK_HOME: home, POSTWERK_PUBLIC_IMAP_HOST: 'mail example' })).toThrow(
      /POSTWERK_PUBLIC_IMAP_HOST="mail example": must be a host name/,
    );
  });

  it('requires a database URL for postgres', () => {
    try {
      loadConfig({ POSTWERK_HOME: home, POSTWERK_DB_CLIENT: 'postgres' });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems[0]).toMatch(/^POSTWERK_DATABASE_URL: is required/);
    }
  });

  it('takes DNS servers as IP[:port] lists, and refuses names and bad ports', () => {
    expect(loadConfig({ POSTWERK_HOME: home }).dns.servers).toBeNull();
    expect(loadConfig({ POSTWERK_HOME: home, POSTWERK_DNS_SERVERS: '127.0.0.1:5353, [::1]:53,9.9.9.9' }).dns.servers).toEqual([
      '127.0.0.1:5353',
      '[::1]:53',
      '9.9.9.9',
    ]);
    expect(() => loadConfig({ POSTWERK_HOME: home, POSTWERK_DNS_SERVERS: 'dns.example:53' })).toThrow(
      /POSTWERK_DNS_SERVERS=.*not an IP address/,
    );
    expect(() => loadConfig({ POSTWERK_HOME: home, POSTWERK_DNS_SERVERS: '127.0.0.1:70000' })).toThrow(/port must be 1-65535/);
  });

  it('rejects a secret key of the wrong length', () => {
    expect(() => loadConfig({ POSTWERK_HOME: home, POSTWERK_SECRET_KEY: 'abcd' })).toThrow(/32 bytes/);
  });
});

describe('parseEnvFile', () => {
  it('reads NAME=value lines', () => {
    expect(parseEnvFile('# c\nA=1\nexport B="two"\n\nC=x=y\n')).toEqual({ A: '1', B: 'two', C: 'x=y' });
  });
});
