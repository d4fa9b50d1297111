import { execFile } from 'node:child_process';
import { BrokerUnreachableError, MqbenchError, UsageError } from '../errors.js';

/** What kubectl printed, or one line saying why it failed. */
export interface Kubectl {
  (args: readonly string[]): Promise<string>;
}

// a cluster that does not answer: like a broker that does not answer (exit 3)
const unreachable = /connection refused|the connection to the server|unable to connect|no such host|i\/o timeout|the server could not be reached|dial tcp|no configuration has been provided|context was not found/i;

/** kubectl with the given namespace; its errors become one line (its first), never its usage text. */
export function kubectlIn(namespace: string | undefined, timeoutMs = 60_000): Kubectl {
  const ns = namespace ? ['--namespace', namespace] : [];
  return (args) =>
    new Promise((resolve, reject) => {
      execFile('kubectl', [...ns, ...args], { timeout: timeoutMs, maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (!error) {
          resolve(stdout);
          return;
        }
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new UsageError('kubectl is not on PATH: `bench k8s run` needs kubectl and a context (or use `bench k8s render` and apply the file yourself)'));
          return;
        }
        const first = (stderr.split('\n').find((l) => l.trim() !== '') ?? error.message).replace(/^(error: |E\d{4} \S+\s+\d+ \S+\] )/, '').slice(0, 300);
        reject(unreachable.test(stderr) ? new BrokerUnreachableError(`kubectl cannot reach the cluster: ${first}`) : new MqbenchError(`kubectl ${args[0] ?? ''}: ${first}`, 4));
      });
    });
}
