// What the agent does around a task's sandbox, seen by a framework on a real master and agent: the
// disk/du isolator ending a task that writes past its disk resource, and the fetcher putting
// CommandInfo.uris into the sandbox before the task starts (or failing the task when it cannot).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CommandURI, Offer, TaskInfo } from '../../src/mesos/protocol/types.js';
import { freePort } from '../../src/util/net.js';
import {
  launchOneTask,
  startMasterAndAgent,
  testDir,
  type OneTaskFramework,
  type TestNode,
} from '../support/nodes.js';

describe('agent sandboxes: disk quota and fetcher', () => {
  let dir: string;
  let master: TestNode;
  let agent: TestNode;
  let files: Server;
  let filesUrl: string;
  const frameworks: OneTaskFramework[] = [];

  beforeAll(async () => {
    dir = testDir('sandbox');
    ({ master, agent } = await startMasterAndAgent(dir, {
      resources: 'cpus:4;mem:2048;disk:4096',
      container_disk_watch_interval: '200ms',
    }));
    // An archive holding data/readme.txt, served next to a script.
    mkdirSync(`${dir}/archive/data`, { recursive: true });
    writeFileSync(`${dir}/archive/data/readme.txt`, 'fetched\n');
    execFileSync('tar', ['-czf', `${dir}/data.tar.gz`, '-C', `${dir}/archive`, 'data']);
    const archive = readFileSync(`${dir}/data.tar.gz`);
    files = createServer((req, res) => {
      if (req.url === '/hello.sh') res.end('#!/bin/sh\necho hello from a fetched script\n');
      else if (req.url === '/data.tar.gz') res.end(archive);
      else res.writeHead(404).end('no such file');
    });
    const port = await freePort();
    await new Promise<void>((resolve) => files.listen(port, '127.0.0.1', resolve));
    filesUrl = `http://127.0.0.1:${port}`;
  });

  afterEach(async () => {
    for (const f of frameworks.splice(0)) await f.close();
  });

  afterAll(async () => {
    files?.close();
    await agent?.stop();
    await master?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function task(offer: Offer, id: string, cmd: string, diskMb: number, uris: CommandURI[] = []): TaskInfo {
    return {
      name: id,
      task_id: { value: id },
      agent_id: offer.agent_id,
      command: { value: cmd, ...(uris.length > 0 ? { uris } : {}) },
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
        { name: 'mem', type: 'SCALAR', scalar: { value: 64 } },
        { name: 'disk', type: 'SCALAR', scalar: { value: diskMb } },
      ],
    };
  }

  async function launch(name: string, make: (offer: Offer) => TaskInfo): Promise<OneTaskFramework> {
    const framework = await launchOneTask(master.url, name, make);
    frameworks.push(framework);
    return framework;
  }

  it('ends a task that writes past its disk resource with REASON_CONTAINER_LIMITATION_DISK', async () => {
    const fw = await launch('disk-hog', (offer) =>
      task(offer, 'hog', 'dd if=/dev/zero of=big bs=1M count=12 2>/dev/null; sleep 300', 5),
    );
    const failed = await fw.update('hog', (s) => s.state === 'TASK_FAILED');
    expect(failed).toMatchObject({
      source: 'SOURCE_AGENT',
      reason: 'REASON_CONTAINER_LIMITATION_DISK',
      limitation: { resources: [{ name: 'disk', scalar: { value: 5 } }] },
    });
    expect(failed.message).toMatch(/^Disk usage \(\d+MB\) exceeds quota \(5MB\)$/);
  });

  it('leaves a task within its disk resource alone', async () => {
    const fw = await launch('disk-ok', (offer) =>
      task(offer, 'small', 'dd if=/dev/zero of=small bs=1M count=2 2>/dev/null; sleep 1', 5),
    );
    await fw.update('small', (s) => s.state === 'TASK_FINISHED');
    expect(fw.log.updates('small').map((s) => s.state)).not.toContain('TASK_FAILED');
  });

  it('fetches URIs into the sandbox before the task starts: executable, and an archive extracted', async () => {
    const fw = await launch('fetching', (offer) =>
      task(offer, 'fetched', './hello.sh > out && test -f data/readme.txt', 5, [
        { value: `${filesUrl}/hello.sh`, executable: true },
        { value: `${filesUrl}/data.tar.gz`, extract: true },
      ]),
    );
    const finished = await fw.update(
      'fetched',
      (s) => s.state === 'TASK_FINISHED' || s.state === 'TASK_FAILED',
    );
    expect(finished.state, finished.message).toBe('TASK_FINISHED');
  });

  it('fails a task whose URI cannot be fetched, with the fetcher’s reason, before it starts', async () => {
    const fw = await launch('fetch-404', (offer) =>
      task(offer, 'unfetchable', 'true', 5, [{ value: `${filesUrl}/missing.tgz` }]),
    );
    const failed = await fw.update('unfetchable', (s) => s.state === 'TASK_FAILED');
    expect(failed).toMatchObject({ source: 'SOURCE_AGENT', reason: 'REASON_CONTAINER_LAUNCH_FAILED' });
    expect(failed.message).toContain(`Failed to fetch '${filesUrl}/missing.tgz'`);
    expect(failed.message).toContain('404');
    expect(fw.log.updates('unfetchable').map((s) => s.state)).toEqual(['TASK_FAILED']);
  });
});
