// Loaded with mocha --require: prints `mocha: N passed, N failed` when a run ends, the plain line CI reads.
let passed = 0;
let failed = 0;
export const mochaHooks = {
  afterEach(this: { currentTest?: { state?: string } }) {
    if (this.currentTest?.state === 'passed') passed++;
    else if (this.currentTest?.state === 'failed') failed++;
  },
};
process.on('exit', () => console.log(`mocha: ${passed} passed, ${failed} failed`));
