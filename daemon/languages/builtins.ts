// The built-in language profiles beyond python/node/shell: what each image holds, how its programs are built and run.
// Placeholders work anywhere inside an argument: {file} the program's path, {dir} its folder, {name} its file name
// without the extension, {out} the build output folder (/build/out: a tmpfs that allows exec, owned by the program's
// uid, collected by the daemon after the compiler is gone and before the program starts; see languages/buildCache.ts).

export interface LanguageSpec {
  name: string;
  command: string[];
  /** Runs before `command`, in {dir}; its failure is the outcome `compile-error`. Absent: nothing to build. */
  compile?: string[];
  fileName: string;
  extensions: string[];
  /** VS Code language ids the profile serves (besides its extensions). */
  languageIds: string[];
  /** Interpreter names a shebang line may carry (`#!/usr/bin/env ruby`). */
  shebangs: string[];
  health: string[];
  env: Record<string, string>;
  /** Start the interpreter before each run (daemon/prestart/): java's JVM for the sandbox's armed build. */
  prestart?: boolean;
}

const ok = (probe: string): string[] => ['sh', '-c', `${probe} >/dev/null 2>&1 && echo HEALTH_OK`];

export const LANGUAGES: LanguageSpec[] = [
  {
    name: 'typescript',
    // Transpile only (esbuild): no type-checking of the world on each run. Bundled, so the project's own .ts imports
    // work; the inline source map makes Node's stack traces name the .ts file's lines.
    compile: ['esbuild', '{file}', '--bundle', '--platform=node', '--format=cjs', '--packages=external', '--sourcemap=inline', '--log-level=warning', '--color=false', '--outfile={out}/{name}.js'],
    command: ['node', '--enable-source-maps', '{out}/{name}.js'],
    fileName: 'main.ts',
    extensions: ['.ts', '.mts', '.cts'],
    languageIds: ['typescript'],
    shebangs: ['ts-node', 'tsx', 'deno'],
    health: ok('esbuild --version && node -e 0'),
    env: {},
    // Node pre-started, handed the build's output (a cached build: {out} holds it before the run; a build kills it).
    prestart: true,
  },
  {
    name: 'c',
    compile: ['gcc', '-O2', '-pipe', '-fdiagnostics-color=never', '-o', '{out}/{name}', '{file}', '-lm', '-pthread'],
    command: ['{out}/{name}'],
    fileName: 'main.c',
    extensions: ['.c'],
    languageIds: ['c'],
    shebangs: [],
    health: ok('gcc --version'),
    env: {},
  },
  {
    name: 'cpp',
    compile: ['g++', '-O2', '-pipe', '-std=gnu++17', '-fdiagnostics-color=never', '-o', '{out}/{name}', '{file}', '-lm', '-pthread'],
    command: ['{out}/{name}'],
    fileName: 'main.cpp',
    extensions: ['.cpp', '.cc', '.cxx', '.c++'],
    languageIds: ['cpp'],
    shebangs: [],
    health: ok('g++ --version'),
    env: {},
  },
  {
    name: 'go',
    // A go.mod in the file's folder: build that package (every .go file of it); otherwise the file alone.
    compile: ['sh', '-c', 'if [ -f go.mod ]; then exec go build -ldflags=-s -o "$1" .; else exec go build -ldflags=-s -o "$1" "$2"; fi', 'go-build', '{out}/{name}', '{file}'],
    command: ['{out}/{name}'],
    fileName: 'main.go',
    extensions: ['.go'],
    languageIds: ['go'],
    shebangs: [],
    health: ok('go version'),
    // The build's caches live in /build (writable, emptied with the sandbox); no module is ever downloaded.
    env: { GOCACHE: '/build/.cache/go-build', GOPATH: '/build/.cache/go', GOFLAGS: '-mod=mod', GOPROXY: 'off', GOTOOLCHAIN: 'local', CGO_ENABLED: '0' },
  },
  {
    name: 'rust',
    compile: ['rustc', '-O', '-C', 'strip=debuginfo', '--color=never', '-o', '{out}/{name}', '{file}'],
    command: ['{out}/{name}'],
    fileName: 'main.rs',
    extensions: ['.rs'],
    languageIds: ['rust'],
    shebangs: [],
    health: ok('rustc --version'),
    env: {},
  },
  {
    name: 'java',
    // The class to run is the file's name: `public class Main` lives in Main.java (javac insists on it).
    compile: ['javac', '-J-XX:+UseSerialGC', '-J-XX:TieredStopAtLevel=1', '-J-Xshare:auto', '-encoding', 'UTF-8', '-d', '{out}', '{file}'],
    command: ['java', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xshare:auto', '-XX:-UsePerfData', '-cp', '{out}', '{name}'],
    fileName: 'Main.java',
    extensions: ['.java'],
    languageIds: ['java'],
    shebangs: [],
    health: ok('javac -version'),
    env: {},
    prestart: true,
  },
  { name: 'ruby', command: ['ruby', '{file}'], fileName: 'main.rb', extensions: ['.rb'], languageIds: ['ruby'], shebangs: ['ruby'], health: ['ruby', '-e', 'puts "HEALTH_OK"'], env: {} },
  { name: 'php', command: ['php', '{file}'], fileName: 'main.php', extensions: ['.php'], languageIds: ['php'], shebangs: ['php'], health: ['php', '-r', 'echo "HEALTH_OK\\n";'], env: {} },
  { name: 'perl', command: ['perl', '{file}'], fileName: 'main.pl', extensions: ['.pl', '.pm'], languageIds: ['perl'], shebangs: ['perl'], health: ['perl', '-e', 'print "HEALTH_OK\\n"'], env: {} },
  { name: 'lua', command: ['lua5.4', '{file}'], fileName: 'main.lua', extensions: ['.lua'], languageIds: ['lua'], shebangs: ['lua', 'lua5.4'], health: ['lua5.4', '-e', 'print("HEALTH_OK")'], env: {} },
];
