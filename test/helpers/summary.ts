// A closing line the CI can read for every mocha run (`mocha: N passed, N failed`), and the fault suite's table.
import * as fs from 'fs';
import * as path from 'path';

export interface Figure {
  scenario: string;
  figure: string;
  pass: boolean;
}

const figures: Figure[] = [];

export function record(scenario: string, figure: string, pass: boolean): void {
  figures.push({ scenario, figure, pass });
  console.log(`      ${pass ? 'PASS' : 'FAIL'} ${scenario}: ${figure}`);
}

export function figureTable(): string {
  const rows = figures.map((f) => `| ${f.scenario} | ${f.figure.replace(/\|/g, '\\|')} | ${f.pass ? 'pass' : '**FAIL**'} |`);
  return ['| scenario | figure | result |', '|---|---|---|', ...rows].join('\n');
}

export function writeFigures(file: string): void {
  if (!figures.length) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `# warmbox fault suite\n\nWritten by \`npm run test:faults\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.\n\n${figureTable()}\n`);
}
