/**
 * npm ci applies patches/ to @platformatic/kafka 1.35 (package.json postinstall: patch-package):
 * without it a failover consumer whose group coordinator died stops heartbeating and is replaced
 * (platformatic.ts). A clone installed with --ignore-scripts fails here, not in a failover run.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { expect, test } from 'vitest';

test('the installed @platformatic/kafka consumer looks for a lost coordinator again and keeps heartbeating (patches/)', () => {
  const entry = createRequire(import.meta.url).resolve('@platformatic/kafka');
  const consumer = readFileSync(join(dirname(entry), 'clients', 'consumer', 'consumer.js'), 'utf8');
  expect(consumer).toContain('this.#coordinatorId = null;\n            }\n            done(error, ...rest);');
  expect(consumer).toMatch(/another\n\s+\/\/ heartbeat is scheduled[^\n]*\n\s+if \(!this\[kClosed\]\) \{\n\s+this\.#heartbeatInterval = setTimeout/);
  // a closing member sends no more heartbeats, whatever its leave does
  expect(consumer).toMatch(/this\[kClosed\] = true;\n\s+clearTimeout\(this\.#lagMonitoring\);\n(\s+\/\/[^\n]*\n)+\s+this\.#cancelHeartbeat\(\);/);
});
