// `warmbox run examples/hello.js`
console.log(`Hello from a warm sandbox: Node ${process.version}, uid ${process.getuid()}`);
