/**
 * The Kafka broker limits a run's settings can go past, said before the run starts
 * (BrokerPlugin.limitWarnings). A single message over message.max.bytes is refused in settings.ts
 * (the broker would refuse every one); this is the case a broker configured for more may take.
 */
import type { Workload } from '../../results/types.js';
import { defaultMessageMaxBytes, kafkaSettingsOf } from './settings.js';

/**
 * --batch-bytes is also how a user declares a broker configured for more than message.max.bytes
 * (settings.ts): not refused, but a broker at its default refuses every produce request whose batch
 * is over it (MESSAGE_TOO_LARGE; Kafka's broker configs: message.max.bytes, topic max.message.bytes).
 */
export function kafkaLimitWarnings(workload: Workload): string[] {
  const { batchBytes } = kafkaSettingsOf(workload.driver);
  if (batchBytes <= defaultMessageMaxBytes) return [];
  return [
    `--batch-bytes ${batchBytes} is above Kafka's default message.max.bytes (${defaultMessageMaxBytes} bytes per record batch; Kafka broker configs): ` +
      `a broker at its default refuses batches that large (MESSAGE_TOO_LARGE); fine for a broker or topic (max.message.bytes) configured for them`,
  ];
}
