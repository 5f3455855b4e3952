// The frontend's type check, kept warm for the loop: `node typecheck_server.mjs <frontend> <socket>`.
//
// tsc parses and binds ~290k lines of declarations (Next, React, Node) before it checks our ~3k:
// 2.2 s of its 3.9 s here, the same on every run, --incremental included (it skips checking
// unchanged files, not reading them). This process keeps the parsed and bound source files between
// requests (the TypeScript compiler API's own reuse: a file whose mtime and size are unchanged is
// handed back as the same SourceFile, as the language service does) and answers each request with a
// fresh program and check, so the answer is tsc's for the tree as it is at that moment.
// Not `tsc --watch`: it checks when *it* sees a change and prints a verdict nobody can tie to a given
// save; a check has to ask "is the tree as it is now correct" and wait for that answer.
//
// Protocol (scripts/checks/typecheck.py): a client connects to the Unix socket, writes one line, and
// gets one JSON line back: {"errors": <count>, "text": <diagnostics as `tsc --pretty false` prints them>}.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';

const [frontend, socketPath] = process.argv.slice(2);
const ts = createRequire(path.join(frontend, 'package.json'))('typescript');
const cache = new Map(); // file name -> { key, sourceFile }
let oldProgram;

const formatHost = {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => frontend,
  getNewLine: () => '\n',
};

function parseConfig() {
  let fatal;
  const config = ts.getParsedCommandLineOfConfigFile(path.join(frontend, 'tsconfig.json'), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => { fatal = d; },
  });
  return { config, fatal };
}

function check() {
  const { config, fatal } = parseConfig();
  if (!config) return [fatal];
  const host = ts.createCompilerHost(config.options);
  const read = host.getSourceFile;
  host.getCurrentDirectory = () => frontend;
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    let stat;
    try { stat = fs.statSync(fileName); } catch { cache.delete(fileName); return read(fileName, languageVersion, onError, shouldCreate); }
    const key = `${stat.mtimeMs}:${stat.size}:${JSON.stringify(languageVersion)}`;
    const hit = cache.get(fileName);
    if (hit && hit.key === key) return hit.sourceFile;
    const sourceFile = read(fileName, languageVersion, onError, shouldCreate);
    if (sourceFile) cache.set(fileName, { key, sourceFile });
    return sourceFile;
  };
  const program = ts.createProgram({
    rootNames: config.fileNames,
    options: config.options,
    projectReferences: config.projectReferences,
    configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(config),
    host,
    oldProgram,
  });
  oldProgram = program;
  return [...ts.getConfigFileParsingDiagnostics(config), ...ts.getPreEmitDiagnostics(program)];
}

function answer() {
  const diagnostics = ts.sortAndDeduplicateDiagnostics(check());
  const errors = diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error).length;
  return JSON.stringify({ errors, text: ts.formatDiagnostics(diagnostics, formatHost) }) + '\n';
}

// The second program still re-resolves every module and runs a cold JIT (2.6 s here, the third and
// later 0.7-0.9 s): so once the first answer is out, check once more unasked, for the next save's sake.
let warmedUp = false;

fs.rmSync(socketPath, { force: true }); // a previous session's socket (a killed server leaves it)
const server = net.createServer((conn) => {
  conn.once('data', () => {
    let reply;
    try { reply = answer(); } catch (err) { reply = JSON.stringify({ error: String(err && err.stack || err) }) + '\n'; }
    conn.end(reply);
    if (!warmedUp) {
      warmedUp = true;
      setImmediate(() => { try { check(); } catch { /* the next request reports it */ } });
    }
  });
  conn.on('error', () => {}); // a client that gave up waiting
});
server.listen(socketPath, () => console.log(`typecheck server: warm tsc for ${frontend} on ${socketPath}`));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close();
    for (const f of [socketPath, socketPath.replace(/\.sock$/, '.pid')]) fs.rmSync(f, { force: true });
    process.exit(0);
  });
}
