import { describe, expect, it } from 'vitest';
import { AsyncQueue, nextMatching } from '../../src/testing/clients/async-queue.js';

describe('AsyncQueue', () => {
  it('keeps items pushed before anyone reads, in order', async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    q.push(2);
    expect(await q.next()).toEqual({ value: 1, done: false });
    expect(await q.next()).toEqual({ value: 2, done: false });
  });

  it('hands an item to a reader that was already waiting', async () => {
    const q = new AsyncQueue<string>();
    const pending = q.next();
    q.push('a');
    expect(await pending).toEqual({ value: 'a', done: false });
  });

  it('ends for await loops on close, after what is left', async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    q.push(2);
    q.close();
    q.push(3);
    const seen: number[] = [];
    for await (const n of q) seen.push(n);
    expect(seen).toEqual([1, 2]);
  });

  it('rejects waiting readers when closed with an error', async () => {
    const q = new AsyncQueue<number>();
    const pending = q.next();
    q.close(new Error('stream broke'));
    await expect(pending).rejects.toThrow('stream broke');
  });

  it('nextWithin gives null after the timeout and leaves no waiter to swallow the next item', async () => {
    const q = new AsyncQueue<number>();
    expect(await q.nextWithin(5)).toBeNull();
    q.push(7);
    expect(await q.next()).toEqual({ value: 7, done: false });
  });
});

describe('nextMatching', () => {
  it('skips items that do not match', async () => {
    const q = new AsyncQueue<number>();
    for (const n of [1, 2, 3, 4]) q.push(n);
    expect(await nextMatching(q, (n) => n > 2, 100, 'a big number')).toBe(3);
    expect(await q.next()).toEqual({ value: 4, done: false });
  });

  it('names what it waited for and how many items it saw when time runs out', async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    await expect(nextMatching(q, (n) => n > 5, 20, 'a big number')).rejects.toThrow(
      /timed out after 20 ms waiting for a big number \(1 seen\)/,
    );
  });

  it('fails when the stream ends first', async () => {
    const q = new AsyncQueue<number>();
    q.close();
    await expect(nextMatching(q, () => true, 100, 'anything')).rejects.toThrow(/stream ended/);
  });
});
