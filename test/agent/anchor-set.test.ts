import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AnchorSet } from '../../agent/anchor-set.ts';

/**
 * The compact set behind deletion detection. A wrong answer here disables accounts that are still
 * in the directory (a false "absent") or never disables deleted ones (a false "present"), so the
 * tests compare it with a plain Set on many random anchors, including duplicates.
 */
describe('AnchorSet', () => {
  it('answers like a Set of anchors and lists the unmarked ones', () => {
    const anchors = Array.from({ length: 5000 }, () => randomUUID());
    const set = new AnchorSet();
    for (const anchor of anchors) set.add(anchor);
    for (const anchor of anchors.slice(0, 100)) set.add(anchor);
    expect(set.size).toBe(5000);

    const others = Array.from({ length: 1000 }, () => randomUUID());
    expect(others.some((anchor) => set.has(anchor))).toBe(false);
    expect(anchors.every((anchor) => set.has(anchor))).toBe(true);

    const marked = anchors.filter((_, index) => index % 3 !== 0);
    for (const anchor of marked) expect(set.mark(anchor)).toBe(true);
    for (const anchor of others) expect(set.mark(anchor)).toBe(false);
    expect([...set.unmarked()].sort()).toEqual(anchors.filter((_, index) => index % 3 === 0).sort());
  });

  it('keeps leading zeros and the extremes of the GUID range', () => {
    const edge = ['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '00000001-0002-0003-0004-000000000005'];
    const set = new AnchorSet();
    for (const anchor of edge) set.add(anchor);
    expect([...set.unmarked()]).toEqual(edge);
    expect(new AnchorSet().has(edge[0]!)).toBe(false);
  });
});
