import net from 'node:net';

/** True if something accepts TCP connections at host:port within `timeoutMs`. */
export function portAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (answer: boolean): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export function hostPortOf(url: string, defaultPort: number): { host: string; port: number } {
  const first = url.replace(/^[a-z]+:\/\//, '').split(',')[0] ?? '';
  const withoutCredentials = first.includes('@') ? first.slice(first.lastIndexOf('@') + 1) : first;
  const hostPort = withoutCredentials.split('/')[0] ?? '';
  const match = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(hostPort);
  return { host: match?.[1] ?? '127.0.0.1', port: match?.[2] ? Number(match[2]) : defaultPort };
}

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
