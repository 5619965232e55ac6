// Tree item ids of the warm sets. The daemon's set names are for people and may repeat (one project with two
// different caps is `python@ws` twice); VS Code refuses a tree with a repeated id, so repeats get a number.
// No `vscode` import.

export function setIds(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return k === 1 ? `profile:${n}` : `profile:${n}#${k}`;
  });
}
