// A run's project, checked before the run is accepted: a folder that exists, within its caps.
import * as fs from 'fs';
import type { RunProject } from '../protocol';
import { ProjectFileError } from '../environments/projectFile';
import { invalid } from '../validate';
import type { ProjectRegistry } from './registry';
import { WorkspaceTooLarge } from './scan';

export async function checkProject(projects: ProjectRegistry, p: RunProject): Promise<void> {
  const st = await fs.promises.stat(p.root).catch(() => undefined);
  if (!st?.isDirectory()) throw invalid(`the project root ${p.root} is not a folder on the daemon's machine`);
  try {
    await projects.get(p).copy.snapshot();
  } catch (e) {
    if (e instanceof WorkspaceTooLarge || e instanceof ProjectFileError) throw invalid(e.message);
    throw e;
  }
}
