// The API's short-lived copy of Nova's flavor list: a flavor the copy holds is answered from it;
// one it does not hold is looked for again in Nova before a request is refused, so a flavor made
// a moment ago is found at once; the copy is refreshed after its time to live; a failed read is
// not kept.
import { describe, expect, it } from 'vitest';
import { FlavorCatalog } from '../../api/routes/servers/flavor-catalog';
import type { Flavor } from '../../openstack/nova';

function nova(initial: Flavor[]) {
  const state = { flavors: initial, reads: 0, failNext: false };
  const list = async () => {
    state.reads++;
    if (state.failNext) {
      state.failNext = false;
      throw new Error('nova is down');
    }
    return [...state.flavors];
  };
  return { state, list };
}

function clock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const small = { id: '2', name: 'm1.small' };
const tiny = { id: '1', name: 'm1.tiny' };

describe('FlavorCatalog', () => {
  it('answers a known flavor, by id or name, from one read for its time to live', async () => {
    const n = nova([tiny, small]);
    const t = clock();
    const catalog = new FlavorCatalog(n.list, 60_000, t.now);
    expect(await catalog.find('m1.small')).toEqual(small);
    expect(await catalog.find('1')).toEqual(tiny);
    t.advance(59_999);
    expect(await catalog.find('m1.small')).toEqual(small);
    expect(n.state.reads).toBe(1);
    t.advance(1);
    expect(await catalog.find('m1.small')).toEqual(small);
    expect(n.state.reads).toBe(2);
  });

  it('looks again in Nova before saying a flavor is unknown', async () => {
    const n = nova([tiny]);
    const catalog = new FlavorCatalog(n.list, 60_000, clock().now);
    expect(await catalog.find('m1.tiny')).toEqual(tiny);
    n.state.flavors = [tiny, small];
    expect(await catalog.find('m1.small')).toEqual(small);
    expect(await catalog.find('m1.huge')).toBeUndefined();
    expect(n.state.reads).toBe(3);
  });

  it('a failed read fails the lookup and is not kept', async () => {
    const n = nova([tiny]);
    const catalog = new FlavorCatalog(n.list, 60_000, clock().now);
    n.state.failNext = true;
    await expect(catalog.find('m1.tiny')).rejects.toThrow('nova is down');
    expect(await catalog.find('m1.tiny')).toEqual(tiny);
    expect(n.state.reads).toBe(2);
  });

  it('requests at the same moment share one read', async () => {
    const n = nova([tiny, small]);
    const catalog = new FlavorCatalog(n.list, 60_000, clock().now);
    const found = await Promise.all([catalog.find('m1.tiny'), catalog.find('m1.small'), catalog.find('2')]);
    expect(found).toEqual([tiny, small, small]);
    expect(n.state.reads).toBe(1);
  });
});
