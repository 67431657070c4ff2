// Nova's flavors as the API checks a server request against them: one read shared by the requests
// of the next minute instead of one read each (flavors change rarely; Horizon and the CLIs cache
// them too). A flavor the copy does not hold is looked for again in Nova before a request is
// refused, so one made a moment ago is found at once; one deleted a moment ago is still accepted
// for up to `ttlMs`, and Nova then refuses the boot (the build fails, undone, with Nova's words).
import type { Flavor } from '../../../openstack/nova';

export class FlavorCatalog {
  private copy?: { flavors: Promise<Flavor[]>; until: number };

  constructor(
    private readonly list: () => Promise<Flavor[]>,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The flavor with this id, else with this name; undefined when Nova has none even on a fresh
   * read. Concurrent calls share one read; a failed read rejects them and is not kept.
   */
  async find(idOrName: string): Promise<Flavor | undefined> {
    const fresh = !this.copy || this.copy.until <= this.now();
    const found = pick(await this.flavors(fresh), idOrName);
    return found || fresh ? found : pick(await this.flavors(true), idOrName);
  }

  private flavors(reread: boolean): Promise<Flavor[]> {
    if (reread || !this.copy) {
      const flavors = this.list();
      const copy = { flavors, until: this.now() + this.ttlMs };
      this.copy = copy;
      flavors.catch(() => {
        if (this.copy === copy) this.copy = undefined;
      });
    }
    return this.copy.flavors;
  }
}

const pick = (flavors: Flavor[], idOrName: string) =>
  flavors.find((f) => f.id === idOrName) ?? flavors.find((f) => f.name === idOrName);
