// The variables a run gets: `warmbox.env`, then `warmbox.envByProfile[profile]` over it. No `vscode` import.

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface EnvPlan {
  env: Record<string, string>;
  /** Names the daemon would refuse (it takes letters, digits and _ only); the run does not start with them. */
  invalid: string[];
}

export function runEnv(profile: string, env: unknown, byProfile: unknown): EnvPlan {
  const out: Record<string, string> = {};
  const invalid: string[] = [];
  const add = (o: unknown) => {
    if (!o || typeof o !== 'object' || Array.isArray(o)) return;
    for (const [k, v] of Object.entries(o as Record<string, unknown>)) {
      if (!NAME.test(k)) {
        invalid.push(k);
        continue;
      }
      // null unsets a variable a broader level set; numbers and booleans are written as JSON would.
      if (v === null || v === undefined) delete out[k];
      else out[k] = typeof v === 'string' ? v : JSON.stringify(v);
    }
  };
  add(env);
  if (byProfile && typeof byProfile === 'object') add((byProfile as Record<string, unknown>)[profile]);
  return { env: out, invalid };
}
