// Image ids for the build cache's key: a tag rebuilt to another image must miss. Looked up once, then refreshed in
// the background so a run never waits on the engine for it.
import type Docker from 'dockerode';

const FRESH_MS = 10_000;

export class ImageIds {
  private readonly known = new Map<string, { id: string; at: number; refreshing?: boolean }>();

  constructor(private readonly docker: Docker) {}

  /** The image's id, or undefined when the engine does not know it (the run then builds and caches nothing). */
  async get(image: string): Promise<string | undefined> {
    const k = this.known.get(image);
    if (k) {
      if (Date.now() - k.at > FRESH_MS && !k.refreshing) {
        k.refreshing = true;
        void this.lookup(image).finally(() => (k.refreshing = false));
      }
      return k.id;
    }
    return this.lookup(image);
  }

  private async lookup(image: string): Promise<string | undefined> {
    try {
      const info = await this.docker.getImage(image).inspect();
      this.known.set(image, { id: info.Id, at: Date.now() });
      return info.Id;
    } catch {
      this.known.delete(image);
      return undefined;
    }
  }
}
