/**
 * How a local cluster was brought up (on loopback, or with --netns and its options), remembered in
 * kind.json in the cluster's folder and read synchronously: the cluster's URL is a property, and the
 * run plan asks whether the cluster can be partitioned before anything connects.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface KindFile<K extends { netns: boolean }> {
  /** the kind of the cluster whose folder exists (a folder without kind.json: `loopback`), else undefined */
  remembered(): K | undefined;
  remember(kind: K): Promise<void>;
  isNetns(): boolean;
}

/** The kind file of the cluster in `clusterHome`; `loopback` is the kind of a cluster from before --netns. */
export function kindFileOf<K extends { netns: boolean }>(clusterHome: string, loopback: K): KindFile<K> {
  const path = join(clusterHome, 'kind.json');
  const remembered = (): K | undefined => {
    if (!existsSync(clusterHome)) return undefined;
    try {
      return { ...loopback, ...(JSON.parse(readFileSync(path, 'utf8')) as Partial<K>) };
    } catch {
      return loopback;
    }
  };
  return {
    remembered,
    async remember(kind) {
      await mkdir(clusterHome, { recursive: true });
      await writeFile(path, `${JSON.stringify(kind, null, 2)}\n`);
    },
    isNetns: () => remembered()?.netns === true,
  };
}
