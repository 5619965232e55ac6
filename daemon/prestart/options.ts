// Whether a profile's sandboxes pre-start their interpreter, and with what (the arm script's PrestartOptions).
import type { Profile } from '../profiles';
import { prestartKind, type PrestartOptions } from './script';

export function prestartOf(p: Pick<Profile, 'prestart' | 'preload' | 'command'>): PrestartOptions | undefined {
  const kind = p.prestart ? prestartKind(p.command) : undefined;
  return kind ? { kind, preload: p.preload } : undefined;
}
