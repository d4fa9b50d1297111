/** The plug-in registry's checks on a plug-in registered from outside src/drivers/. */
import { describe, expect, test } from 'vitest';
import { driverNames, registerPlugin } from '../../src/drivers/index.js';
import { memoryPlugin } from '../../src/drivers/memory/index.js';
import type { BrokerPlugin } from '../../src/drivers/plugin.js';

const withOption = (name: string, option: string): BrokerPlugin => ({
  ...memoryPlugin,
  name,
  options: [{ name: option, kind: 'text', broker: name, describe: 'test' }],
});

describe('registerPlugin', () => {
  test.each(['out', 'json', 'broker', 'scenario', 'workload', 'duration', 'metrics-port', 'confirm-runs', 'threshold'])('an option named like a flag that exists (--%s) is refused in one line', (option) => {
    expect(() => registerPlugin(withOption('reserved-test', option))).toThrow(`broker plug-in "reserved-test": its option --${option} is taken already`);
    expect(driverNames).not.toContain('reserved-test');
  });

  test('a name that is taken or malformed is refused', () => {
    expect(() => registerPlugin({ ...memoryPlugin })).toThrow('broker plug-in "memory": a broker of that name is registered already');
    expect(() => registerPlugin(withOption('Bad Name', 'x-label'))).toThrow('its name must be lower-case letters, digits and dashes');
  });
});
