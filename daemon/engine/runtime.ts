// OCI runtimes (runc, gVisor's runsc, …): the name a sandbox asks for, and what to say when the engine lacks it.

/** A runtime name as engines register them. */
export const RUNTIME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Engines say "Unknown runtime specified runsc" (Docker) or "… runtime … not found" (Podman). */
export function isMissingRuntime(message: string): boolean {
  return /unknown runtime specified|unknown or invalid runtime|runtime "?[\w.-]+"? (?:not found|is not)|no such runtime|OCI runtime "?[\w.-]+"? not found/i.test(message);
}

/** How to register the runtime, on Docker and on Podman. */
export function missingRuntimeMessage(runtime: string, where: string): string {
  const gvisor = runtime === 'runsc';
  const install = gvisor ? 'install gVisor (`sudo apt-get install runsc` on Debian/Ubuntu, or gvisor.dev/docs/user_guide/install), then ' : '';
  const path = gvisor ? '/usr/bin/runsc' : `/path/to/${runtime}`;
  const args = gvisor ? ', "runtimeArgs": ["--network=none"]' : '';
  return (
    `The engine at ${where} has no runtime "${runtime}". To use it, ${install}register it: ` +
    `for Docker add \`"runtimes": {"${runtime}": {"path": "${path}"${args}}}\` to /etc/docker/daemon.json and restart Docker ` +
    `(\`sudo systemctl restart docker\`); for Podman add \`${runtime} = ["${path}"]\` under [engine.runtimes] in containers.conf. ` +
    `Or set warmbox.runtime (config "runtime") back to the engine's default.`
  );
}
