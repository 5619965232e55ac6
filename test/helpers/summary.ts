// A closing line the CI can read for every mocha run (`mocha: N passed, N failed`), and the fault suite's table.
import * as fs from 'fs';
import * as path from 'path';

/** A scenario passed, failed, or could not run here (then it says *skipped*, never pass). */
export type Verdict = boolean | 'skipped';

export interface Figure {
  scenario: string;
  figure: string;
  verdict: Verdict;
}

const figures: Figure[] = [];

const word = (v: Verdict): string => (v === 'skipped' ? 'skipped' : v ? 'pass' : '**FAIL**');

export function record(scenario: string, figure: string, verdict: Verdict): void {
  figures.push({ scenario, figure, verdict });
  console.log(`      ${word(verdict).replace(/\*/g, '').toUpperCase()} ${scenario}: ${figure}`);
}

export function figureTable(): string {
  const rows = figures.map((f) => `| ${f.scenario} | ${f.figure.replace(/\|/g, '\\|')} | ${word(f.verdict)} |`);
  return ['| scenario | figure | result |', '|---|---|---|', ...rows].join('\n');
}

/** Writes the table only for a full run: a run filtered with --grep (or FAULTS_PARTIAL) would replace it with a fragment. */
export function writeFigures(file: string): void {
  if (!figures.length) return;
  const filtered = process.argv.some((a) => a === '--grep' || a === '-g' || a.startsWith('--grep=') || a === '--fgrep' || a === '-f');
  if (filtered || process.env.FAULTS_PARTIAL === '1') {
    console.log(`      (a filtered run: ${path.relative(process.cwd(), file)} left as it was)`);
    return;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `# warmbox fault suite\n\nWritten by \`npm run test:faults\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.\n\n${figureTable()}\n`);
}
