// What VS Code says about an image build (extension/environments/buildProgress.ts), a project's environment or a
// language's sandbox image on its first use: pure, so the wording and the cancel request are tested without VS Code.
import type { EnvCancelParams, EnvProgressNotification } from '../../daemon/protocol';

export interface BuildText {
  /** One notification per build: a project and profile, or a language image. */
  key: string;
  /** `building the …` follows `warmbox: ` in the notification's title. */
  name: string;
  /** Short, for the status bar: `lua image`, `python env`. */
  what: string;
  /** What the notification's Cancel asks the daemon (env/cancel). */
  cancel: EnvCancelParams;
}

export function buildText(n: EnvProgressNotification): BuildText {
  if (n.kind === 'language') {
    return { key: `${n.image}\0${n.profile}`, name: `${n.profile} sandbox image (${n.image}, first use)`, what: `${n.profile} image`, cancel: { root: '', profile: n.profile, image: n.image } };
  }
  return { key: `${n.root}\0${n.profile}`, name: `${n.profile} environment of ${n.root.split(/[\\/]/).pop()}`, what: `${n.profile} env`, cancel: { root: n.root, profile: n.profile } };
}

/** The progress message of a step or an installer's line. */
export function stepMessage(n: EnvProgressNotification): string {
  return `${n.step ? `step ${n.step}/${n.steps}: ` : ''}${n.label ?? ''}${n.state === 'line' && n.line ? ` — ${n.line.slice(0, 80)}` : ''}`;
}
