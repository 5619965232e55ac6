// A missing warmbox image is built on its language's first use: `bash images/build.sh <name>` from the daemon's
// install folder, once per image, its progress in the daemon log. Meanwhile a run that needs it ends with
// image-missing and a sentence saying the build is under way; when it is done the sets of that image warm at once.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { InfraError } from '../docker';
import type { Logger } from '../log';
import { IMAGE_VERSION } from '../profiles';

interface Build {
  startedAt: number;
  last: string;
  child?: ChildProcess;
  failed?: string;
}

export class ImageBuilder {
  private readonly builds = new Map<string, Build>();

  constructor(
    private readonly log: Logger,
    /** images/build.sh beside the daemon's bundle; absent (an installed extension without it): nothing is built. */
    private readonly script = path.resolve(__dirname, '../images/build.sh'),
    private readonly enabled = process.env.WARMBOX_BUILD_IMAGES !== '0',
  ) {}

  /** What to tell a run that found `image` missing; starts its build when warmbox can make it. */
  missing(image: string, names: ReadonlySet<string>, built: () => void, original: InfraError): InfraError {
    const name = new RegExp(`^warmbox/([a-z0-9-]+):${IMAGE_VERSION}$`).exec(image)?.[1];
    if (!name || !names.has(name) || !this.enabled || !fs.existsSync(this.script)) return original;
    let b = this.builds.get(image);
    if (!b) {
      b = this.start(image, name, built);
      this.builds.set(image, b);
    }
    if (b.failed) return new InfraError('image-missing', `Building the sandbox image ${image} failed (${b.failed}). Build it by hand: \`npm run images ${name}\` in the warmbox folder.`);
    const s = Math.round((Date.now() - b.startedAt) / 1000);
    return new InfraError(
      'image-missing',
      `The sandbox image ${image} is being built for ${name}'s first use (${s} s so far${b.last ? `; ${b.last}` : ''}). Run again when it is done — usually under a minute; progress in \`warmbox logs\`.`,
    );
  }

  /** Builds still running are left to finish: a half-built image is never tagged. */
  private start(image: string, name: string, built: () => void): Build {
    const b: Build = { startedAt: Date.now(), last: '' };
    this.log.info(`image build: ${image} is missing; building it (bash ${this.script} ${name})`);
    const child = spawn('bash', [this.script, name], { stdio: ['ignore', 'pipe', 'pipe'], cwd: path.dirname(this.script) });
    b.child = child;
    let tail = '';
    const onLine = (data: Buffer) => {
      for (const line of data.toString().split('\n').map((l) => l.trim()).filter(Boolean)) {
        b.last = line.replace(/^\[images [0-9:]+\] /, '').slice(0, 200);
        tail = (tail + '\n' + line).slice(-600);
        this.log.info(`image build: ${line}`);
      }
    };
    child.stdout!.on('data', onLine);
    child.stderr!.on('data', onLine);
    child.on('error', (e) => (b.failed = e.message));
    child.on('close', (code) => {
      b.child = undefined;
      const s = Math.round((Date.now() - b.startedAt) / 1000);
      if (code === 0) {
        this.log.info(`image build: ${image} built in ${s} s`);
        this.builds.delete(image);
        built();
      } else {
        b.failed = `exit ${code} after ${s} s: ${tail.trim().split('\n').slice(-2).join(' / ')}`;
        this.log.warn(`image build: ${image} failed (${b.failed})`);
      }
    });
    return b;
  }
}
