// A client connection's flow control: send() reports a full socket, whenDrained() calls back on 'drain'.
import { strict as assert } from 'assert';
import { EventEmitter } from 'events';
import type * as net from 'net';
import { Conn } from '../../daemon/server';

class FakeSocket extends EventEmitter {
  full = false;
  written: string[] = [];
  write(line: string): boolean {
    this.written.push(line);
    return !this.full;
  }
}

describe('Conn flow control', () => {
  it('says when the client is full, and calls every held run back on one drain listener', () => {
    const s = new FakeSocket();
    const c = new Conn(1, s as unknown as net.Socket);
    assert.equal(c.notify('run/output', { n: 1 }), true);
    s.full = true;
    assert.equal(c.notify('run/output', { n: 2 }), false);
    let called = 0;
    const cancels = Array.from({ length: 20 }, () => c.whenDrained(() => called++));
    assert.equal(s.listenerCount('drain'), 1, 'one listener however many runs wait (no MaxListeners warning)');
    cancels[0]();
    s.emit('drain');
    assert.equal(called, 19, 'a cancelled wait is not called');
    assert.equal(s.listenerCount('drain'), 0);
    const cancel = c.whenDrained(() => called++);
    cancel();
    assert.equal(s.listenerCount('drain'), 0, 'nothing left behind when the last wait is cancelled');
    s.emit('drain');
    assert.equal(called, 19);
  });
});
