import { sentinelOptions } from './queue';
import { loadConfig } from './config';

describe('POSTWERK_REDIS_URL with Sentinel', () => {
  it('turns a redis+sentinel URL into ioredis sentinel options', () => {
    expect(sentinelOptions('redis+sentinel://:s3cr%40t@10.0.0.1:26379,10.0.0.2:26380,sentinel-3/postwerk/2')).toEqual({
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
        { host: 'sentinel-3', port: 26379 },
      ],
      name: 'postwerk',
      password: 's3cr@t',
      db: 2,
    });
    expect(sentinelOptions('rediss+sentinel://a:26379/mymaster')).toMatchObject({ name: 'mymaster', tls: {} });
    expect(sentinelOptions('redis://:pw@127.0.0.1:6379')).toBeNull();
  });

  it('is taken by the configuration', () => {
    const c = loadConfig({
      POSTWERK_HOME: '/tmp/pw-sentinel-test',
      POSTWERK_SECRET_KEY: 'a'.repeat(64),
      POSTWERK_REDIS_URL: 'redis+sentinel://h1:26379,h2:26379/postwerk',
    });
    expect(c.redisUrl).toBe('redis+sentinel://h1:26379,h2:26379/postwerk');
  });
});
