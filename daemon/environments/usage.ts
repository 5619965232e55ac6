// When each environment image was last run on and for which project: kept in the daemon's runtime folder so that
// `env ls` and pruning survive a daemon restart. Written at most every few seconds.
import * as fs from 'fs';

export interface Usage {
  lastUsedAt: number;
  project?: string;
}

export class UsageStore {
  private data: Record<string, Usage> = {};
  private timer?: NodeJS.Timeout;

  constructor(private readonly file: string) {
    try {
      const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, Usage>;
      if (raw && typeof raw === 'object') this.data = raw;
    } catch {
      /* none yet, or unreadable: start afresh */
    }
  }

  get(image: string): Usage | undefined {
    return this.data[image];
  }

  touch(image: string, project?: string): void {
    this.data[image] = { lastUsedAt: Date.now(), project: project ?? this.data[image]?.project };
    this.save();
  }

  forget(image: string): void {
    delete this.data[image];
    this.save();
  }

  private save(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), 2000);
    this.timer.unref();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    try {
      fs.writeFileSync(this.file, JSON.stringify(this.data), { mode: 0o600 });
    } catch {
      /* the runtime folder went away: the daemon is stopping */
    }
  }
}
