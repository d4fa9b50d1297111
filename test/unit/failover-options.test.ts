import { describe, expect, test } from 'vitest';
import { planRun } from '../../src/plan/index.js';
import { refusal } from '../refusal.js';
import { redactSecretsIn, redactUrl } from '../../src/util/redact.js';
import { rabbitUrlList } from '../../src/drivers/rabbit/urls.js';

const plan = (broker: string, scenario: string, options: Record<string, string | number | boolean> = {}) => planRun({ ...options, broker, scenario });


describe('failover scenario: defaults', () => {
  test('1,000 msg/s open loop, 40 s, kill the leader at 10 s for 15 s, stall watch waits fault-for + 30 s', () => {
    const { workload, fault } = plan('rabbit', 'failover');
    expect(workload.rate).toBe(1000);
    expect(workload.durationUs).toBe(40_000_000);
    expect(workload.fault).toEqual({ kind: 'kill', target: 'leader', atUs: 10_000_000, forUs: 15_000_000, clients: 'spread', lateJoiners: 0 });
    expect(fault).toEqual({ kind: 'kill', target: 'leader', atUs: 10_000_000, forUs: 15_000_000 });
    expect(workload.stallTimeoutUs).toBe(45_000_000);
    // one producer per node of the 3-node cluster, so that --clients spread puts some on every side
    expect(workload.producers).toBe(3);
    expect(workload.driver).toMatchObject({ delivery: 'ack', reconnect: true, queueType: 'quorum', confirm: true, persistent: true });
  });

  test('the user wins over the scenario: rate, stall timeout, queue type, node target', () => {
    const { workload, fault } = plan('rabbit', 'failover', { rate: 500, 'stall-timeout': '20s', 'queue-type': 'classic', 'fault-target': 'node:2', fault: 'stop' });
    expect(workload.rate).toBe(500);
    expect(workload.stallTimeoutUs).toBe(20_000_000);
    expect(workload.driver.queueType).toBeUndefined();
    expect(fault).toMatchObject({ kind: 'stop', target: { node: 2 } });
    expect(workload.fault?.target).toBe('node:2');
  });

  test('--fault-for never: the fault lasts the rest of the window; the stall watch waits that long + 30 s', () => {
    const { workload, fault } = plan('rabbit', 'failover', { 'fault-for': 'never' });
    expect(fault).toEqual({ kind: 'kill', target: 'leader', atUs: 10_000_000, forUs: null });
    expect(workload.fault).toEqual({ kind: 'kill', target: 'leader', atUs: 10_000_000, forUs: null, clients: 'spread', lateJoiners: 0 });
    expect(workload.stallTimeoutUs).toBe(30_000_000 + 30_000_000);
    expect(plan('kafka', 'failover', { 'fault-for': 'NEVER', duration: '60s', 'fault-at': '5s' }).workload.stallTimeoutUs).toBe(55_000_000 + 30_000_000);
  });

  test('--clients and --late-joiners go into the fault record of a plug-in that places clients; kafka has none', () => {
    expect(plan('rabbit', 'failover', { clients: 'survivors', 'late-joiners': 4 }).workload.fault).toMatchObject({ clients: 'survivors', lateJoiners: 4 });
    expect(plan('rabbit', 'failover', { clients: 'failed-node' }).workload.fault).toMatchObject({ clients: 'failed-node', lateJoiners: 0 });
    const kafka = plan('kafka', 'failover').workload.fault;
    expect(kafka).toEqual({ kind: 'kill', target: 'leader', atUs: 10_000_000, forUs: 15_000_000 });
  });

  test('kafka: acks=all by default, --kafka-acks 1 honoured', () => {
    expect(plan('kafka', 'failover').workload.driver).toMatchObject({ kafkaAcks: -1, reconnect: true });
    expect(plan('kafka', 'failover', { 'kafka-acks': '1' }).workload.driver.kafkaAcks).toBe(1);
  });

  test('a command plan stores no command text (it may hold a secret)', () => {
    const { workload, fault } = plan('rabbit', 'failover', { 'rabbit-url': 'amqp://u:p@h1:5701,amqp://u:p@h2:5702', 'fault-cmd': 'ssh h1 sudo systemctl stop rabbitmq-server', 'restore-cmd': 'ssh h1 sudo systemctl start rabbitmq-server' });
    expect(fault).toMatchObject({ kind: 'command', faultCmd: 'ssh h1 sudo systemctl stop rabbitmq-server' });
    expect(JSON.stringify(workload)).not.toContain('systemctl');
    // no placement: the node a user's command hits is not known
    expect(workload.fault).toEqual({ kind: 'command', target: 'command', atUs: 10_000_000, forUs: 15_000_000 });
  });

  test('other scenarios have no fault and no reconnect', () => {
    const { workload, fault } = plan('rabbit', 'ack');
    expect(fault).toBeUndefined();
    expect(workload.fault).toBeUndefined();
    expect(workload.driver.reconnect).toBeUndefined();
    expect(workload.driver.queueType).toBeUndefined();
  });
});

describe('failover scenario: refusals, one line each', () => {
  test('fault options in another scenario', () => {
    expect(refusal(() => plan('rabbit', 'ack', { 'fault-at': '5s' }))).toBe('--fault-at is a failover option; it has no meaning in the ack scenario (use --scenario failover)');
    expect(refusal(() => plan('kafka', 'noack', { fault: 'kill' }))).toBe('--fault is a failover option; it has no meaning in the noack scenario (use --scenario failover)');
  });

  test('a fault that does not end within the window: refused with values that would fit, and they do', () => {
    // the case: the default fault (at 10 s for 15 s) with --duration 20s
    expect(refusal(() => plan('rabbit', 'failover', { duration: '20s', 'fault-at': '10s', 'fault-for': '15s' }))).toBe(
      '--fault-at (10 s) + --fault-for (15 s) must end within --duration (20 s): the recovery must be measured; e.g. --duration 40s, or --fault-at 5s --fault-for 10s',
    );
    expect(plan('rabbit', 'failover', { duration: '40s', 'fault-at': '10s', 'fault-for': '15s' }).fault).toBeDefined();
    expect(plan('rabbit', 'failover', { duration: '20s', 'fault-at': '5s', 'fault-for': '10s' }).fault).toBeDefined();
    expect(refusal(() => plan('rabbit', 'failover', { duration: '20s', 'fault-at': '20s', 'fault-for': 'never' }))).toBe(
      '--fault-at (20 s) must fall within --duration (20 s): the time after the fault must be measured; e.g. --fault-at 10s',
    );
    expect(plan('rabbit', 'failover', { duration: '20s', 'fault-at': '10s', 'fault-for': 'never' }).fault).toBeDefined();
    expect(refusal(() => plan('rabbit', 'failover', { 'fault-for': 'forever' }))).toMatch(/^--fault-for: cannot parse duration "forever"/);
  });

  test('a bad target', () => {
    expect(refusal(() => plan('rabbit', 'failover', { 'fault-target': 'follower' }))).toBe('--fault-target: must be leader, connected or node:N (N from 1), got "follower"');
  });

  test('kill on a cluster mqbench did not start', () => {
    expect(refusal(() => plan('rabbit', 'failover', { 'rabbit-url': 'amqp://u:p@h1:5701,amqp://u:p@h2:5702' }))).toBe(
      '--fault kill: mqbench never kills what it did not start; on the cluster you named (--rabbit-url or its environment variable) inject the fault with --fault-cmd (and --restore-cmd)',
    );
  });

  test('--fault or --fault-target with --fault-cmd; --restore-cmd alone', () => {
    expect(refusal(() => plan('rabbit', 'failover', { 'rabbit-url': 'amqp://h1:5701', 'fault-cmd': 'x', fault: 'kill' }))).toBe(
      '--fault cannot be combined with --fault-cmd: the command is the fault (mqbench kills only nodes it started)',
    );
    expect(refusal(() => plan('rabbit', 'failover', { 'restore-cmd': 'x' }))).toBe('--restore-cmd needs --fault-cmd (the command that injects the fault)');
  });

  test('--workers > 1, kafkajs, brokers without failover', () => {
    expect(refusal(() => plan('rabbit', 'failover', { workers: 2 }))).toBe('--workers: the failover scenario runs in one process (one producer, one consumer); leave --workers at 1');
    expect(refusal(() => plan('kafka', 'failover', { 'kafka-client': 'kafkajs' }))).toBe(
      '--kafka-client kafkajs: the failover scenario runs with @platformatic/kafka only (leave --kafka-client at platformatic)',
    );
    expect(refusal(() => plan('memory', 'failover'))).toBe('memory cannot run the failover scenario');
  });

  test('client placement: a plug-in that cannot place, a command fault, bad values, another scenario', () => {
    expect(refusal(() => plan('kafka', 'failover', { clients: 'spread' }))).toBe(
      '--clients: the kafka plug-in cannot place its clients on chosen nodes; client populations are measured with plug-ins that can (rabbit)',
    );
    expect(refusal(() => plan('kafka', 'failover', { 'late-joiners': 2 }))).toBe(
      '--late-joiners: the kafka plug-in cannot place its clients on chosen nodes; client populations are measured with plug-ins that can (rabbit)',
    );
    expect(refusal(() => plan('rabbit', 'failover', { 'rabbit-url': 'amqp://h1:5701,amqp://h2:5702', 'fault-cmd': 'x', clients: 'failed-node' }))).toBe(
      '--clients: needs to know the node the fault hits, so a fault mqbench injects (--fault with --fault-target), not --fault-cmd',
    );
    expect(refusal(() => plan('rabbit', 'failover', { clients: 'leader' }))).toBe('--clients: must be spread, failed-node or survivors, got "leader"');
    expect(refusal(() => plan('rabbit', 'failover', { 'late-joiners': 101 }))).toMatch(/^--late-joiners: /);
    expect(refusal(() => plan('rabbit', 'ack', { 'late-joiners': 1 }))).toBe('--late-joiners is a failover option; it has no meaning in the ack scenario (use --scenario failover)');
  });

  test('queue types that contradict other options', () => {
    expect(refusal(() => plan('rabbit', 'ack', { 'queue-type': 'quorum', persistent: false }))).toBe('--persistent false contradicts --queue-type quorum (always durable)');
    expect(refusal(() => plan('rabbit', 'noack', { 'queue-type': 'stream' }))).toBe('--queue-type stream needs ack delivery (RabbitMQ refuses noAck consumers on streams)');
  });
});

describe('cluster URL lists', () => {
  test('a scheme URL list keeps every host and drops every password', () => {
    expect(redactUrl('amqp://u:p@h1:5701,amqp://u:p@h2:5702')).toBe('amqp://h1:5701,amqp://h2:5702');
    expect(redactUrl('amqp://u:s3cret@h1:5701,h2:5702/vh')).toBe('amqp://h1:5701,h2:5702/vh');
    expect(redactSecretsIn('failed: u:pw1 and pw2', ['amqp://u:pw1@h1:5701,amqp://v:pw2@h2:5702'])).toBe('failed: *** and ***');
  });

  test('short form: later addresses take the first one\'s scheme, credentials and vhost', () => {
    expect(rabbitUrlList('amqp://u:p@h1:5701/vh,h2:5702,amqps://x@h3:5703')).toEqual(['amqp://u:p@h1:5701/vh', 'amqp://u:p@h2:5702/vh', 'amqps://x@h3:5703']);
    // a comma in a password is not a list
    expect(rabbitUrlList('amqp://u:pa,ss@h1:5701')).toEqual(['amqp://u:pa,ss@h1:5701']);
  });
});
