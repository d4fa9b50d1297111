import { execFile, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderCommand } from '../../src/commands/k8s.js';
import { readResult } from '../../src/results/store.js';
import { bench, benchBin, repoRoot } from '../helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mqbench-k8s-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `bench <args>` with an environment and stdin of its own (a pod; `kubectl logs ... | bench merge -`). */
function benchWith(args: string[], env: Record<string, string>, stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [benchBin, ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end(stdin);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** One pod as the Job controller starts it: the plan file mounted, JOB_COMPLETION_INDEX set. */
const worker = (plan: string, index: number) => benchWith(['worker', '--workload', plan], { JOB_COMPLETION_INDEX: String(index) });

test('render for 2 pods, run both pods as local processes, merge their stdout: every message accounted for', async () => {
  const render = await bench(['k8s', 'render', '--broker', 'memory', '--scenario', 'noack', '--pods', '2', '--producers', '2', '--partitions', '2', '--consumers', '2', '--rate', '2000', '--duration', '2s', '--warmup', '2s', '--out', dir]);
  expect(render.code, render.stderr).toBe(0);
  const manifest = (await readdir(dir)).find((f) => f.endsWith('.yaml')) as string;
  const [configMap] = parseAllDocuments(await readFile(join(dir, manifest), 'utf8')).map((d) => d.toJS() as { data: Record<string, string> });
  const plan = join(dir, 'plan.json');
  // the start is absolute: set it a few seconds after now, not after the render, so that a slow start of
  // the two processes on a loaded machine does not make them late (which is tested in the unit tests)
  const rendered = JSON.parse(configMap?.data['plan.json'] ?? '{}') as { startAt: string };
  await writeFile(plan, JSON.stringify({ ...rendered, startAt: new Date(Date.now() + 10_000).toISOString() }));
  const pods = await Promise.all([worker(plan, 0), worker(plan, 1)]);
  for (const p of pods) {
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout.trim().split('\n'), 'one line on stdout').toHaveLength(1);
  }
  const logs = join(dir, 'logs');
  await mkdir(logs);
  await writeFile(join(logs, 'pod-0.log'), pods[0]?.stdout ?? '');
  await writeFile(join(logs, 'pod-1.log'), pods[1]?.stdout ?? '');
  const merged = await bench(['merge', logs, '--out', join(dir, 'results')]);
  expect(merged.code, merged.stderr).toBe(0);
  expect(merged.stdout).toMatch(/│ 0 +│ \S+ +│ [-+][\d.]+ s +│ [\d,]+ +│ [\d,]+ +│ ok/);
  const result = await readResult(join(dir, 'results', (await readdir(join(dir, 'results')))[0] as string));
  expect(result.status).toBe('completed');
  expect(result.counts.sent).toBeGreaterThan(3000); // 2,000 msg/s over 2 s, both pods
  expect(result.counts.received).toBe(result.counts.sent);
  expect(result.counts.lost).toBe(0);
  expect(result.pods?.map((p) => [p.index, p.status])).toEqual([[0, 'ok'], [1, 'ok']]);
  expect(result.pods?.reduce((n, p) => n + p.sent, 0)).toBe(result.counts.sent);
  expect(result.openLoop?.askedPerSec).toBe(2000);

  // one pod's output lost (`kubectl logs` on stdin, one pod only): named, exit 4
  const missing = await benchWith(['merge', '-', '--out', join(dir, 'results-missing')], {}, `some stderr line\n${pods[0]?.stdout ?? ''}`);
  expect(missing.code).toBe(4);
  expect(missing.stderr).toContain('bench: pod 1 is missing (no result line; died or its logs were not collected): producers 1 not measured (2,000 scheduled measured sends never made)');
}, 60_000);

/**
 * `kubectl apply --dry-run=client` still asks an API server which kinds exist (discovery) and whether the
 * objects exist; with no cluster here, a stand-in answers discovery for v1 and batch/v1 and "not found"
 * for the objects. It cannot serve the OpenAPI documents, so kubectl's own schema validation is off
 * (--validate=false): the schemas are checked by kubernetes-models (test/unit/k8s-manifests.test.ts).
 */
function discoveryOnlyApiServer(): Promise<{ server: Server; url: string; requests: string[] }> {
  const resource = (name: string, kind: string) => ({ name, singularName: kind.toLowerCase(), namespaced: true, kind, verbs: ['create', 'get', 'patch'] });
  const resources = (groupVersion: string, name: string, kind: string, ...more: [string, string][]) => ({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources: [resource(name, kind), ...more.map(([n, k]) => resource(n, k))] });
  const answers: Record<string, object> = {
    '/version': { major: '1', minor: '32', gitVersion: 'v1.32.0' },
    '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
    '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [{ name: 'batch', versions: [{ groupVersion: 'batch/v1', version: 'v1' }], preferredVersion: { groupVersion: 'batch/v1', version: 'v1' } }] },
    '/api/v1': resources('v1', 'configmaps', 'ConfigMap', ['secrets', 'Secret']),
    '/apis/batch/v1': resources('batch/v1', 'jobs', 'Job'),
  };
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    requests.push(`${req.method} ${path}`);
    const answer = answers[path];
    res.setHeader('content-type', 'application/json');
    res.statusCode = answer ? 200 : 404;
    res.end(JSON.stringify(answer ?? { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `${path.split('/').at(-1) ?? ''} not found` }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, requests })));
}

/** A kubeconfig whose one context points at `server`. */
async function kubeconfigFor(server: string, name: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "${server}"}}]\ncontexts: [{name: c, context: {cluster: c, user: nobody}}]\nusers: [{name: nobody, user: {}}]\ncurrent-context: c\n`);
  return path;
}

const kubectl = await promisify(execFile)('kubectl', ['version', '--client']).then(() => true, () => false);

test.skipIf(!kubectl)('kubectl apply --dry-run=client accepts the manifests rendered for 3 pods (no cluster: a discovery-only stand-in)', async () => {
  const file = join(dir, 'three-pods.yaml');
  await writeFile(file, await renderCommand({ broker: 'rabbit', scenario: 'partitioned', pods: '3', partitions: '3', producers: '3', namespace: 'bench', image: 'mqbench:test', secret: 'mqbench-broker', cpu: '1', memory: '1Gi', 'start-in': '60s' }));
  const { server, url, requests } = await discoveryOnlyApiServer();
  try {
    const kubeconfig = await kubeconfigFor(url, 'kubeconfig');
    const { stdout } = await promisify(execFile)('kubectl', ['apply', '--dry-run=client', '--validate=false', '-f', file], { env: { ...process.env, KUBECONFIG: kubeconfig } });
    expect(stdout).toMatch(/^configmap\/mqbench-[0-9a-f]{8} created \(dry run\)\njob\.batch\/mqbench-[0-9a-f]{8} created \(dry run\)\n$/);
    expect(requests).toContainEqual(expect.stringMatching(/^GET \/apis\/batch\/v1\/namespaces\/bench\/jobs\/mqbench-/));
  } finally {
    server.close();
  }
});

test.skipIf(!kubectl)('bench k8s run checks the cluster and the Secret before creating anything: exit 3, then exit 2', async () => {
  const args = ['k8s', 'run', '--broker', 'rabbit', '--scenario', 'noack', '--pods', '1', '--out', join(dir, 'run-results')];
  const closed = await bench(args, { env: { KUBECONFIG: await kubeconfigFor('http://127.0.0.1:1', 'closed.kubeconfig') } });
  expect(closed.code).toBe(3);
  expect(closed.stderr).toMatch(/^bench: kubectl cannot reach the cluster: The connection to the server 127\.0\.0\.1:1 was refused/);
  const { server, url, requests } = await discoveryOnlyApiServer();
  try {
    const noSecret = await bench(args, { env: { KUBECONFIG: await kubeconfigFor(url, 'stand-in.kubeconfig') } });
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toBe(`bench: Secret "mqbench-broker" not found: create it first: kubectl create secret generic mqbench-broker --from-literal=url='<broker URL with credentials>'\n`);
    expect(requests.filter((r) => !r.startsWith('GET '))).toEqual([]); // nothing created, nothing deleted
  } finally {
    server.close();
  }
});
