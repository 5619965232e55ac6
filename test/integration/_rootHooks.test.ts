// Root hook: after every integration suite, no daemon a test started is left running, no container of theirs remains,
// and none of them logged an error it did not handle.
import { strict as assert } from 'assert';
import { logProblems, stopAllDaemons } from '../helpers/daemon';

after(async function () {
  this.timeout(60_000);
  const leaked = await stopAllDaemons();
  // A create sent to Docker just before a daemon exited would show up a moment later: look again.
  await new Promise((r) => setTimeout(r, 2000));
  leaked.push(...(await stopAllDaemons.recheck()));
  assert.deepEqual(leaked, [], 'managed containers left on the engine after the tests');
  assert.deepEqual(logProblems, [], 'a daemon logged an error it did not handle');
});
