/** `bench brokers`: the clusters are offered by their own names, and a wrong name is one clear line. */
import { expect, test } from 'vitest';
import { brokersCommand } from '../../src/commands/brokers.js';
import { UsageError } from '../../src/errors.js';

test('an unknown name lists the brokers and the clusters the plug-ins offer', async () => {
  const attempt = brokersCommand('up', 'rabbit-clustr', 'auto');
  await expect(attempt).rejects.toBeInstanceOf(UsageError);
  await expect(attempt).rejects.toThrow(/^unknown broker "rabbit-clustr"; valid: .*rabbit.*, rabbit-cluster, kafka-cluster, all$/);
});
