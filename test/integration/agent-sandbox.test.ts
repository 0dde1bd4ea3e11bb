// What the agent does around a task's sandbox, seen by a framework on a real master and agent: the
// disk/du isolator ending a task that writes past its disk resource, and the fetcher putting
// CommandInfo.uris into the sandbox before the task starts (or failing the task when it cannot).
import { createServer, type Server } from 'node:http';
import { rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CommandURI, Offer, TaskInfo } from '../../src/mesos/protocol/types.js';
import { freePort } from '../../src/util/net.js';
import {
  launchOneTask,
  startNode,
  testDir,
  type OneTaskFramework,
  type TestNode,
  waitForAgents,
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
    const masterPort = await freePort();
    master = await startNode('master', { port: String(masterPort), allocation_interval: '100ms' }, dir);
    agent = await startNode(
      'agent',
      {
        port: String(await freePort()),
        master: `127.0.0.1:${masterPort}`,
        resources: 'cpus:4;mem:2048;disk:4096',
        work_dir: `${dir}/agent`,
        registration_backoff_factor: '50ms',
        container_disk_watch_interval: '200ms',
      },
      dir,
    );
    await waitForAgents(master.url, 1);
    files = createServer((req, res) => {
      if (req.url === '/hello.sh') {
        res.end('#!/bin/sh\necho hello from a fetched script\n');
        return;
      }
      res.writeHead(404).end('no such file');
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
});
