import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesService, MAX_READ_BYTES } from '../../src/mesos/agent/files.js';

const FW = 'm1-0000';
const EX = 'task-1';
const VIRTUAL = `/frameworks/${FW}/executors/${EX}/runs/latest`;

async function collect(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('FilesService', () => {
  let tmp: string;
  let runs: string;
  let sandbox: string;
  let files: FilesService;
  const big = 'x'.repeat(100 * 1024);

  beforeAll(() => {
    tmp = realpathSync(mkdtempSync(join(tmpdir(), 'agent-files-')));
    runs = join(tmp, 'work/slaves/S0/frameworks', FW, 'executors', EX, 'runs');
    sandbox = join(runs, 'c1');
    mkdirSync(join(sandbox, 'sub'), { recursive: true });
    writeFileSync(join(sandbox, 'stdout'), 'hello world\n');
    chmodSync(join(sandbox, 'stdout'), 0o644);
    chmodSync(join(sandbox, 'sub'), 0o755);
    writeFileSync(join(sandbox, 'stderr'), '');
    writeFileSync(join(sandbox, 'big.txt'), big);
    writeFileSync(join(sandbox, 'sub', 'inner'), 'inner');
    symlinkSync('c1', join(runs, 'latest'));
    // Outside the sandbox: a secret next to it and a sibling whose name extends the sandbox's.
    writeFileSync(join(tmp, 'secret'), 'top secret');
    mkdirSync(join(runs, 'c1-evil'));
    writeFileSync(join(runs, 'c1-evil', 'secret'), 'sibling secret');
    symlinkSync('/etc/passwd', join(sandbox, 'passwd-link'));
    symlinkSync('../c1-evil/secret', join(sandbox, 'sibling-link'));
    symlinkSync('sub/inner', join(sandbox, 'inner-link'));
    files = new FilesService();
    files.attachSandbox(FW, EX, sandbox);
  });

  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('browses a sandbox by its virtual path', async () => {
    const listing = await files.browse(VIRTUAL);
    expect(listing.map((f) => f.path)).toEqual(
      ['big.txt', 'inner-link', 'passwd-link', 'sibling-link', 'stderr', 'stdout', 'sub'].map(
        (n) => `${VIRTUAL}/${n}`,
      ),
    );
    const byName = new Map(listing.map((f) => [f.path.slice(VIRTUAL.length + 1), f]));
    expect(byName.get('stdout')).toMatchObject({ size: 12, nlink: 1 });
    expect(byName.get('stdout')!.mode).toBe('-rw-r--r--');
    expect(byName.get('stderr')!.size).toBe(0);
    expect(byName.get('sub')!.mode).toBe('drwxr-xr-x');
    expect(Number.isInteger(byName.get('stdout')!.mtime)).toBe(true);
    expect(Math.abs(byName.get('stdout')!.mtime - Date.now() / 1000)).toBeLessThan(600);
    expect(typeof byName.get('stdout')!.uid).toBe('string');
    expect(typeof byName.get('stdout')!.gid).toBe('string');
    // A link inside the sandbox is shown as its target; one leading out is shown as a link only.
    expect(byName.get('inner-link')).toMatchObject({ size: 5, mode: expect.stringMatching(/^-/) as unknown });
    expect(byName.get('passwd-link')!.mode).toMatch(/^l/);
    expect(byName.get('sibling-link')!.mode).toMatch(/^l/);
  });

  it('reaches the sandbox at its real path and its real runs/latest path', async () => {
    expect((await files.browse(sandbox)).map((f) => f.path)).toContain(`${sandbox}/stdout`);
    expect(await files.read(join(runs, 'latest', 'stdout'), 0, -1)).toEqual({
      data: 'hello world\n',
      offset: 0,
    });
    expect(await files.browse(`${VIRTUAL}/sub/`)).toEqual([
      expect.objectContaining({ path: `${VIRTUAL}/sub/inner` }),
    ]);
  });

  it('reads with Mesos offset and length semantics', async () => {
    const stdout = `${VIRTUAL}/stdout`;
    expect(await files.read(stdout)).toEqual({ data: '', offset: 12 });
    expect(await files.read(stdout, -1, 5)).toEqual({ data: '', offset: 12 });
    expect(await files.read(stdout, 0, 5)).toEqual({ data: 'hello', offset: 0 });
    expect(await files.read(stdout, 6, -1)).toEqual({ data: 'world\n', offset: 6 });
    expect(await files.read(stdout, 6, 0)).toEqual({ data: '', offset: 6 });
    expect(await files.read(stdout, 100, 5)).toEqual({ data: '', offset: 100 });
    expect(await files.read(`${VIRTUAL}/inner-link`, 0, -1)).toEqual({ data: 'inner', offset: 0 });
    await expect(files.read(stdout, -2, 5)).rejects.toMatchObject({ status: 400 });
    await expect(files.read(stdout, 0, -2)).rejects.toMatchObject({ status: 400 });
  });

  it('caps every read at 16 pages (64 KiB)', async () => {
    const path = `${VIRTUAL}/big.txt`;
    expect(MAX_READ_BYTES).toBe(65536);
    const first = await files.read(path, 0, -1);
    expect(first.data.length).toBe(65536);
    const second = await files.read(path, 65536, 1_000_000);
    expect(second).toEqual({ data: big.slice(65536), offset: 65536 });
  });

  it('refuses to read a directory with 400', async () => {
    await expect(files.read(`${VIRTUAL}/sub`, 0, 10)).rejects.toMatchObject({
      status: 400,
      message: 'Cannot read a directory.\n',
    });
    await expect(files.download(VIRTUAL)).rejects.toMatchObject({ status: 400 });
  });

  it('never serves anything outside the sandbox', async () => {
    const escapes = [
      `${VIRTUAL}/../../../../../../secret`,
      `${VIRTUAL}/../c1-evil/secret`,
      `${VIRTUAL}/../../../../../../../../../../../etc/passwd`,
      `${sandbox}/../../../../../../../secret`,
      '/etc/passwd',
      '/etc',
      join(tmp, 'secret'),
      `${VIRTUAL}/passwd-link`,
      `${VIRTUAL}/sibling-link`,
      `file://${VIRTUAL}/passwd-link`,
    ];
    for (const path of escapes) {
      await expect(files.read(path, 0, -1), path).rejects.toMatchObject({ status: 404 });
      await expect(files.browse(path), path).rejects.toMatchObject({ status: 404 });
      await expect(files.download(path), path).rejects.toMatchObject({ status: 404 });
    }
  });

  it('downloads a file as a stream with its name', async () => {
    const d = await files.download(`${VIRTUAL}/stdout`);
    expect(d.filename).toBe('stdout');
    expect(d.size).toBe(12);
    expect(d.contentType).toBe('application/octet-stream');
    expect(await collect(d.stream)).toBe('hello world\n');
    expect((await files.download(`${VIRTUAL}/big.txt`)).contentType).toBe('text/plain');
  });

  it('attaches a single file, and paths that do not exist yet', async () => {
    const log = join(tmp, 'logs', 'agent.log');
    const service = new FilesService();
    service.attach('/slave/log', log);
    await expect(service.read('/slave/log')).rejects.toMatchObject({ status: 404 });
    mkdirSync(join(tmp, 'logs'));
    writeFileSync(log, 'line 1\n');
    expect(await service.read('/slave/log', 0, -1)).toEqual({ data: 'line 1\n', offset: 0 });
    await expect(service.read('/slave/log/x', 0, -1)).rejects.toMatchObject({ status: 404 });
    expect(service.debug()).toEqual({ '/slave/log': log });
  });

  it('shows the attachments in debug() and forgets detached ones', async () => {
    const service = new FilesService();
    service.attachSandbox(FW, EX, sandbox);
    expect(service.debug()).toEqual({
      [sandbox]: sandbox,
      [join(runs, 'latest')]: sandbox,
      [VIRTUAL]: sandbox,
    });
    service.detach(VIRTUAL);
    await expect(service.read(`${VIRTUAL}/stdout`, 0, -1)).rejects.toMatchObject({ status: 404 });
    expect((await service.read(`${sandbox}/stdout`, 0, 5)).data).toBe('hello');
    service.detachSandbox(FW, EX, sandbox);
    expect(service.debug()).toEqual({});
    await expect(service.browse(sandbox)).rejects.toMatchObject({ status: 404 });
  });
});
