import type { TopicPartitionOffset } from 'kafkajs';
import { OffsetHints } from './kafka';

describe('OffsetHints', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('commits the latest offset of each partition once per interval, not once per batch', async () => {
    const commits: TopicPartitionOffset[][] = [];
    const hints = new OffsetHints(async (offsets) => {
      commits.push(offsets);
    }, 1_000);
    hints.note('t', 0, '5');
    hints.note('t', 0, '9');
    hints.note('t', 1, '3');
    hints.note('u', 0, '2');
    expect(commits).toEqual([]);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(commits).toEqual([
      [
        { topic: 't', partition: 0, offset: '9' },
        { topic: 't', partition: 1, offset: '3' },
        { topic: 'u', partition: 0, offset: '2' },
      ],
    ]);
    // Nothing new: nothing is committed; a later batch starts the next interval.
    await jest.advanceTimersByTimeAsync(5_000);
    expect(commits).toHaveLength(1);
    hints.note('t', 0, '12');
    await jest.advanceTimersByTimeAsync(999);
    expect(commits).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(commits[1]).toEqual([{ topic: 't', partition: 0, offset: '12' }]);
  });

  it('commits what is pending at once on flush (shutdown), and drops a failed commit without throwing', async () => {
    let fail = true;
    const commits: TopicPartitionOffset[][] = [];
    const hints = new OffsetHints(async (offsets) => {
      if (fail) throw new Error('not the group leader any more');
      commits.push(offsets);
    }, 1_000);
    hints.note('t', 0, '4');
    await expect(hints.flush()).resolves.toBeUndefined();
    expect(commits).toEqual([]);
    fail = false;
    hints.note('t', 0, '6');
    await hints.flush();
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '6' }]]);
    // The flush cleared the timer: nothing more is committed later.
    await jest.advanceTimersByTimeAsync(2_000);
    expect(commits).toHaveLength(1);
    await hints.flush();
    expect(commits).toHaveLength(1);
  });
});
