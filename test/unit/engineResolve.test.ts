// The engine resolution order and its messages, on made-up files (the real engines are in test/engines/).
import { strict as assert } from 'assert';
import * as path from 'path';
import { adaptHostConfig } from '../../daemon/engine/adapt';
import { describe as where, EndpointError, parseHost } from '../../daemon/engine/endpoint';
import { likeliestFix, noEngineMessage, startHint } from '../../daemon/engine/hints';
import { kindOf } from '../../daemon/engine/probe';
import { contextDigest, resolveEngine, ResolveInput } from '../../daemon/engine/resolve';
import { isMissingRuntime } from '../../daemon/engine/runtime';
import { sshArgs } from '../../daemon/engine/sshAgent';

const HOME = '/home/u';
const CFG = path.join(HOME, '.docker');

function ctx(name: string, host: string, extra: Record<string, unknown> = {}): Record<string, string> {
  return { [path.join(CFG, 'contexts/meta', contextDigest(name), 'meta.json')]: JSON.stringify({ Name: name, Endpoints: { docker: { Host: host, ...extra } } }) };
}

function input(files: Record<string, string>, env: NodeJS.ProcessEnv = {}, more: Partial<ResolveInput> = {}): ResolveInput {
  return { env, platform: 'linux', home: HOME, readFile: (p) => files[p], exists: (p) => p in files, ...more };
}

const current = (name: string) => ({ [path.join(CFG, 'config.json')]: JSON.stringify({ currentContext: name }) });

describe('engine resolution order', () => {
  const files = { ...ctx('colima', 'unix:///home/u/.colima/default/docker.sock'), ...ctx('remote', 'ssh://me@box'), ...current('colima') };

  it('setting > config file > DOCKER_HOST > DOCKER_CONTEXT > current context > usual sockets', () => {
    const env = { DOCKER_HOST: 'tcp://h:2375', DOCKER_CONTEXT: 'remote' };
    assert.equal(resolveEngine(input(files, env, { setting: 'unix:///s.sock', configHost: 'unix:///c.sock' })).candidates[0].source, 'setting warmbox.dockerHost');
    assert.equal(resolveEngine(input(files, env, { configHost: 'unix:///c.sock' })).candidates[0].host, 'unix:///c.sock');
    const r = resolveEngine(input(files, env));
    assert.equal(r.candidates[0].host, 'tcp://h:2375');
    assert.match(r.notes[0], /DOCKER_CONTEXT=remote is overridden by DOCKER_HOST/);
    assert.equal(resolveEngine(input(files, { DOCKER_CONTEXT: 'remote' })).candidates[0].host, 'ssh://me@box');
    const cur = resolveEngine(input(files, {}));
    assert.equal(cur.candidates[0].context, 'colima');
    assert.match(cur.candidates[0].source, /^context colima \(current context in \/home\/u\/\.docker\/config\.json\)$/);
    const none = resolveEngine(input({}, {}));
    assert.equal(none.chosen, false);
    assert.equal(none.candidates[0].host, 'unix:///var/run/docker.sock');
  });

  it('takes a context name in the setting, and "default" as the usual sockets', () => {
    assert.equal(resolveEngine(input(files, {}, { setting: 'remote' })).candidates[0].host, 'ssh://me@box');
    const d = resolveEngine(input(files, {}, { setting: 'default' }));
    assert.equal(d.chosen, false, 'the current context must not win over an explicit "default"');
    assert.equal(resolveEngine(input(files, { DOCKER_HOST: 'unix:///x.sock' }, { setting: 'default' })).candidates[0].host, 'unix:///x.sock');
  });

  it('reads DOCKER_CONFIG instead of ~/.docker', () => {
    const alt = '/tmp/dc';
    const f = { [path.join(alt, 'config.json')]: JSON.stringify({ currentContext: 'x' }), [path.join(alt, 'contexts/meta', contextDigest('x'), 'meta.json')]: JSON.stringify({ Endpoints: { docker: { Host: 'unix:///alt.sock' } } }) };
    assert.equal(resolveEngine(input(f, { DOCKER_CONFIG: alt })).candidates[0].host, 'unix:///alt.sock');
  });

  it('finds TLS material: DOCKER_TLS_VERIFY + DOCKER_CERT_PATH, and a context\'s tls folder', () => {
    const certs = { '/c/ca.pem': '', '/c/cert.pem': '', '/c/key.pem': '' };
    const e = resolveEngine(input(certs, { DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/c' })).candidates[0];
    assert.deepEqual(e.tls, { ca: '/c/ca.pem', cert: '/c/cert.pem', key: '/c/key.pem', verify: true });
    // DOCKER_TLS: encrypted, not verified; no TLS variables: plain tcp
    assert.equal(resolveEngine(input(certs, { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS: '1', DOCKER_CERT_PATH: '/c' })).candidates[0].tls?.verify, false);
    assert.equal(resolveEngine(input(certs, { DOCKER_HOST: 'tcp://h:2375' })).candidates[0].tls, undefined);
    assert.throws(() => resolveEngine(input({}, { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/none' })), /ca\.pem does not exist/);
    const tlsDir = path.join(CFG, 'contexts/tls', contextDigest('t'), 'docker');
    const f = { ...ctx('t', 'tcp://h:2376'), [path.join(tlsDir, 'ca.pem')]: '', [path.join(tlsDir, 'cert.pem')]: '', [path.join(tlsDir, 'key.pem')]: '' };
    assert.deepEqual(resolveEngine(input(f, { DOCKER_CONTEXT: 't' })).candidates[0].tls, { ca: path.join(tlsDir, 'ca.pem'), cert: path.join(tlsDir, 'cert.pem'), key: path.join(tlsDir, 'key.pem'), verify: true });
  });

  it('says what is wrong with a missing context, a broken config.json or a bad host', () => {
    assert.throws(() => resolveEngine(input({}, { DOCKER_CONTEXT: 'gone' })), (e: Error) => e instanceof EndpointError && /context "gone" \(DOCKER_CONTEXT\) does not exist.*docker context ls/.test(e.message));
    assert.throws(() => resolveEngine(input({ [path.join(CFG, 'config.json')]: '{' })), /config\.json is not valid JSON/);
    assert.throws(() => resolveEngine(input({}, { DOCKER_HOST: 'ftp://x' })), /unsupported scheme ftp/);
  });

  it('lists the usual sockets per platform: rootless Docker, Desktop, Podman, Colima', () => {
    const linux = resolveEngine(input({}, { XDG_RUNTIME_DIR: '/run/user/1000' })).candidates.map((c) => c.host);
    assert.deepEqual(linux.slice(0, 6), [
      'unix:///var/run/docker.sock',
      'unix:///run/user/1000/docker.sock',
      'unix:///home/u/.docker/run/docker.sock',
      'unix:///home/u/.docker/desktop/docker.sock',
      'unix:///run/user/1000/podman/podman.sock',
      'unix:///run/podman/podman.sock',
    ]);
    assert.ok(linux.includes('unix:///home/u/.colima/default/docker.sock'));
    assert.equal(resolveEngine(input({}, {}, { platform: 'darwin' })).candidates[0].host, 'unix:///home/u/.docker/run/docker.sock');
    assert.equal(resolveEngine(input({}, {}, { platform: 'win32' })).candidates[0].host, 'npipe:////./pipe/docker_engine');
  });
});

describe('engine endpoints and messages', () => {
  it('parses hosts the CLI accepts', () => {
    assert.deepEqual(parseHost('ssh://me@box:2222'), { transport: 'ssh', hostname: 'box', port: 2222, user: 'me' });
    assert.deepEqual(parseHost('tcp://127.0.0.1:2376'), { transport: 'tcp', hostname: '127.0.0.1', port: 2376 });
    assert.deepEqual(parseHost('npipe:////./pipe/docker_engine'), { transport: 'npipe', path: '//./pipe/docker_engine' });
    assert.equal(where({ host: 'unix:///var/run/docker.sock', source: '' }), '/var/run/docker.sock');
  });

  it('reaches ssh hosts through the system ssh and dial-stdio, never asking for a password', () => {
    const a = sshArgs(parseHost('ssh://me@box:2222'), { controlDir: '/rt', configFile: '/cfg' });
    assert.deepEqual(a.slice(0, 2), ['-F', '/cfg']);
    assert.ok(a.includes('BatchMode=yes') && a.includes('ControlPath=/rt/ssh-%C'));
    assert.deepEqual(a.slice(-9), ['-p', '2222', '-l', 'me', '--', 'box', 'docker', 'system', 'dial-stdio']);
  });

  it('lists what was tried and the likeliest fix', () => {
    const at = (p: string, why: string) => ({ endpoint: { host: `unix://${p}`, source: 'default socket' }, why });
    const msg = noEngineMessage([at('/var/run/docker.sock', 'no such socket'), at('/home/u/.colima/default/docker.sock', 'connection refused (nothing listens there)')], false, 'linux');
    assert.match(msg, /^No Docker Engine answered\. Tried:\n  \/var\/run\/docker\.sock \(default socket\): no such socket\n  \/home\/u\/\.colima/);
    assert.match(msg, /`colima start`/);
    assert.match(likeliestFix([at('/var/run/docker.sock', 'permission denied')], 'linux'), /docker group/);
    assert.match(likeliestFix([at('/var/run/docker.sock', 'no such socket')], 'darwin'), /Docker Desktop, `colima start` or `podman machine start`/);
    assert.match(likeliestFix([at('/var/run/docker.sock', 'no such socket')], 'linux', () => false), /Install Docker/);
    assert.match(startHint({ host: 'unix:///run/user/1000/podman/podman.sock', source: '' }), /systemctl --user start podman\.socket/);
    const one = noEngineMessage([at('/x.sock', 'no such socket')], true, 'linux');
    assert.match(one, /^Docker is not reachable at \/x\.sock \(default socket: no such socket\)\. Start it/);
  });

  it('tells Podman from Docker by the version API', () => {
    assert.equal(kindOf({ Platform: { Name: 'linux/amd64/debian-12' }, Components: [{ Name: 'Podman Engine' }] }), 'podman');
    assert.equal(kindOf({ Platform: { Name: 'Docker Engine - Community' }, Components: [{ Name: 'Engine' }] }), 'docker');
  });

  it('adapts the HostConfig for Podman only', () => {
    const hc = { PidsLimit: 128, Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 1024 }] };
    assert.equal(adaptHostConfig('docker', hc), hc);
    assert.deepEqual(adaptHostConfig('podman', hc).Ulimits, [{ Name: 'nofile', Soft: 1024, Hard: 1024 }, { Name: 'nproc', Soft: 128, Hard: 128 }]);
  });

  it('recognises a missing runtime in Docker\'s words', () => {
    assert.ok(isMissingRuntime('Unknown runtime specified runsc'));
    assert.ok(!isMissingRuntime('No such image: warmbox/python:2'));
  });
});
