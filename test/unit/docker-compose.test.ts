/** docker-compose.yml (`bench brokers up --provision docker`) has a service for every plug-in with a container spec, matching it. */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { parse } from 'yaml';
import { plugins } from '../../src/drivers/index.js';
import { repoRoot } from '../helpers.js';

interface Service {
  image: string;
  ports?: string[];
  environment?: Record<string, string | number>;
}

test('docker-compose.yml: one service per plug-in container spec, same image, port and environment; no other service', async () => {
  const { services } = parse(readFileSync(`${repoRoot}/docker-compose.yml`, 'utf8')) as { services: Record<string, Service> };
  const specs = [];
  for (const plugin of plugins) {
    const compose = (await plugin.testing?.())?.compose;
    if (compose) specs.push({ broker: plugin.name, ...compose });
  }
  expect(specs.length).toBeGreaterThan(0);
  for (const { broker, composeService, defaultPort, container } of specs) {
    const service = services[composeService];
    expect(service, `${broker}: service ${composeService}`).toBeDefined();
    expect(service?.image, broker).toBe(container.image);
    expect(service?.ports, broker).toContain(`127.0.0.1:${defaultPort}:${container.samePortOnHost ? defaultPort : container.port}`);
    const environment = Object.fromEntries(Object.entries(service?.environment ?? {}).map(([name, value]) => [name, String(value)]));
    expect(environment, broker).toEqual(container.environment?.(defaultPort) ?? {});
  }
  expect(Object.keys(services).sort()).toEqual(specs.map((s) => s.composeService).sort());
});
