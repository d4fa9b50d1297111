/**
 * A URL's user and password, read once and the same way for every broker (issue 29, item 6): decoded
 * as UTF-8, ':' kept in the password, and handed to each client apart from the URL; for the Java
 * tools, written again in the form their URI decoder reads right, and given in their environment.
 */
import { describe, expect, test } from 'vitest';
import { toolEnvironment } from '../../src/drivers/native-tool/java.js';
import { javaToolUri, urisFromEnvironment } from '../../src/drivers/native-tool/tool-uri.js';
import { mqttTargetOf } from '../../src/drivers/mqtt/url.js';
import { streamToolUri } from '../../src/drivers/rabbit-stream/calibrate.js';
import { parseStreamUrl, streamUrlProblem } from '../../src/drivers/rabbit-stream/url.js';
import { amqpTargetOf } from '../../src/drivers/rabbit/urls.js';
import { percentDecodeUtf8, splitUrlCredentials } from '../../src/util/url-credentials.js';

describe('percent-decoding of a user or password: once, as UTF-8', () => {
  test.concurrent.each([
    ['p%C3%A4ss%E2%82%AC', 'päss€'],
    ['pa%3Ass', 'pa:ss'],
    ['pa:ss', 'pa:ss'],
    ['päss', 'päss'],
    // once: %25 is '%', and what follows it stays as typed
    ['%2541', '%41'],
    // a '%' that starts no escape is the character itself
    ['50%off', '50%off'],
    ['100%', '100%'],
    ['%zz%C3%A4', '%zzä'],
    ['%F0%9F%94%91', '🔑'],
  ])('%s -> %s', async (encoded, decoded) => {
    expect(percentDecodeUtf8(encoded)).toBe(decoded);
  });

  test.concurrent('bytes that are not UTF-8: one line, without the password', async () => {
    expect(() => percentDecodeUtf8('secret%FF')).toThrow(/^the URL's user or password holds percent-encoded bytes that are not UTF-8$/);
  });
});

describe('the user info of a URL', () => {
  test.concurrent.each([
    ['amqp://u:pa:ss@h:5672/v', 'amqp://h:5672/v', { username: 'u', password: 'pa:ss' }],
    ['amqp://u:pa%3Ass@h', 'amqp://h', { username: 'u', password: 'pa:ss' }],
    ['mqtt://u:a%40b@h:1883', 'mqtt://h:1883', { username: 'u', password: 'a@b' }],
    // an '@' left unencoded: the last one ends the user info
    ['mqtt://u:a@b@h:1883', 'mqtt://h:1883', { username: 'u', password: 'a@b' }],
    ['amqp://us%3Aer:pw@h', 'amqp://h', { username: 'us:er', password: 'pw' }],
    ['amqp://u@h', 'amqp://h', { username: 'u', password: '' }],
    ['h1:9092', 'h1:9092', undefined],
    ['amqp://h:5672/%2F', 'amqp://h:5672/%2F', undefined],
  ])('%s', async (url, address, credentials) => {
    expect(splitUrlCredentials(url)).toEqual(credentials ? { address, credentials } : { address });
  });
});

describe('each client gets the decoded login apart from the URL', () => {
  test.concurrent('AMQP: SASL PLAIN carries the UTF-8 password; no user info: amqplib logs in as guest', async () => {
    const target = amqpTargetOf('amqp://u%C3%BC:p%C3%A4%3As@127.0.0.1:5672/vh?heartbeat=5');
    expect(target.url).toBe('amqp://127.0.0.1:5672/vh?heartbeat=5');
    expect(target.socketOptions.credentials?.mechanism).toBe('PLAIN');
    expect(target.socketOptions.credentials?.response()).toEqual(Buffer.from('\0uü\0pä:s', 'utf8'));
    expect(amqpTargetOf('amqp://127.0.0.1:5672')).toEqual({ url: 'amqp://127.0.0.1:5672', socketOptions: {} });
  });

  test.concurrent("MQTT: a ':' in the password, raw or %3A, stays in the password", async () => {
    for (const url of ['mqtt://tester:pa:ss@127.0.0.1:1883', 'mqtt://tester:pa%3Ass@127.0.0.1:1883']) {
      expect(mqttTargetOf(url)).toEqual({ url: 'mqtt://127.0.0.1:1883', login: { username: 'tester', password: 'pa:ss' } });
    }
    expect(mqttTargetOf('mqtt://127.0.0.1:1883')).toEqual({ url: 'mqtt://127.0.0.1:1883', login: {} });
  });

  test.concurrent('RabbitMQ stream: the same decoding; bytes that are not UTF-8 refused before connecting', async () => {
    expect(parseStreamUrl('rabbitmq-stream://u:p%C3%A4:s@127.0.0.1:5552/%2F')).toEqual({ hostname: '127.0.0.1', port: 5552, username: 'u', password: 'pä:s', vhost: '/' });
    expect(parseStreamUrl('rabbitmq-stream://127.0.0.1')).toMatchObject({ username: 'guest', password: 'guest' });
    expect(streamUrlProblem('rabbitmq-stream://u:p%FF@127.0.0.1:5552')).toBe("the URL's user or password holds percent-encoded bytes that are not UTF-8");
  });
});

describe('the Java tools: the URI as their decoder reads it, in their environment', () => {
  test.concurrent('non-ASCII raw (their decoder reads %XX as US-ASCII), ASCII reserved characters encoded', async () => {
    expect(javaToolUri('amqp://u:p%C3%A4%3As%20s%2C@h:5672/%2F')).toBe('amqp://u:pä%3As%20s%2C@h:5672/%2F');
    expect(javaToolUri('amqp://h:5672')).toBe('amqp://h:5672');
    expect(streamToolUri('rabbitmq-stream://u:p%E2%82%AC@127.0.0.1')).toBe('rabbitmq-stream://u:p€@127.0.0.1:5552/%2F');
  });

  test.concurrent('the URIs under a prefix of their own; a UTF-8 locale only where a value needs one', async () => {
    const perfTest = urisFromEnvironment('RABBITMQ_PERF_TEST_ENV_PREFIX', ['amqp://u:pä@h1', 'amqp://u:pä@h2']);
    expect(perfTest).toEqual({ flag: '--uris', env: { RABBITMQ_PERF_TEST_ENV_PREFIX: 'MQBENCH_TOOL_', MQBENCH_TOOL_URIS: 'amqp://u:pä@h1,amqp://u:pä@h2' } });
    expect(toolEnvironment(perfTest, { LANG: 'C' })).toMatchObject({ LC_ALL: 'C.UTF-8', MQBENCH_TOOL_URIS: 'amqp://u:pä@h1,amqp://u:pä@h2' });
    expect(toolEnvironment(perfTest, { LANG: 'en_US.UTF-8' }).LC_ALL).toBeUndefined();
    expect(toolEnvironment(urisFromEnvironment('X', ['amqp://u:p@h']), { LANG: 'C' }).LC_ALL).toBeUndefined();
    expect(toolEnvironment(undefined, { LANG: 'C' })).toEqual({ LANG: 'C' });
  });
});
