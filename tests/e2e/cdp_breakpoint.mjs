// A Chrome DevTools Protocol client for `next dev --inspect`, doing what DevTools does when you set
// a breakpoint in a TypeScript file: find the compiled chunk whose source map contains the file,
// map the file's line to the chunk's location, set the breakpoint there, and on `Debugger.paused`
// map the paused location back through the source map.
//
//   node cdp_breakpoint.mjs <inspector http://host:port> <source path, e.g. src/app/api/health/route.ts>
//                           <line, 1-based> <url to request once the breakpoint is set>
//
// Prints one JSON line: {"paused": {source, line, generated}, "status": <HTTP status of the request>}.
// Node, not Python: Node 22 has the WebSocket client and the source-map decoder (node:module) built
// in, so this needs no extra package.
import { SourceMap } from 'node:module';

const [inspector, sourcePath, lineArg, requestUrl] = process.argv.slice(2);
const wantLine = Number(lineArg);
const fail = (msg) => { console.error(msg); process.exit(1); };
setTimeout(() => fail('timed out after 120 s'), 120_000).unref();

const targets = await (await fetch(`${inspector}/json/list`)).json();
// Tilt forwards the port to another local port than the inspector thinks it has: keep our host:port.
const wsUrl = targets[0].webSocketDebuggerUrl.replace(/^ws:\/\/[^/]+/, inspector.replace(/^http/, 'ws'));
const ws = new WebSocket(wsUrl);
await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });

let seq = 0;
const pending = new Map();
const events = [];
const waiters = [];
ws.onmessage = (msg) => {
  const data = JSON.parse(msg.data);
  if (data.id !== undefined) {
    const p = pending.get(data.id);
    pending.delete(data.id);
    if (data.error) p.reject(new Error(`${p.method}: ${JSON.stringify(data.error)}`));
    else p.resolve(data.result);
    return;
  }
  events.push(data);
  for (const w of [...waiters]) if (w.method === data.method) { waiters.splice(waiters.indexOf(w), 1); w.resolve(data.params); }
};
const send = (method, params = {}) => new Promise((resolve, reject) => {
  const id = ++seq;
  pending.set(id, { resolve, reject, method });
  ws.send(JSON.stringify({ id, method, params }));
});
const next = (method) => new Promise((resolve) => waiters.push({ method, resolve }));

// Reads a file in the debuggee: the chunks' source maps live in the pod, not on this machine.
async function readInDebuggee(path) {
  const expr = `process.getBuiltinModule('fs').readFileSync(${JSON.stringify(path)}, 'utf8')`;
  const { result, exceptionDetails } = await send('Runtime.evaluate', { expression: expr, returnByValue: true });
  if (exceptionDetails) throw new Error(`cannot read ${path}: ${JSON.stringify(exceptionDetails)}`);
  return result.value;
}

async function sourceMapOf(script) {
  if (!script.sourceMapURL) return null;
  if (script.sourceMapURL.startsWith('data:')) {
    const b64 = script.sourceMapURL.split(',')[1];
    return new SourceMap(JSON.parse(Buffer.from(b64, 'base64').toString()));
  }
  const mapUrl = new URL(script.sourceMapURL, script.url);
  if (mapUrl.protocol !== 'file:') return null;
  return new SourceMap(JSON.parse(await readInDebuggee(decodeURIComponent(mapUrl.pathname))));
}

const matches = (source) => source && decodeURIComponent(source).endsWith(`/${sourcePath}`);
// Turbopack writes index maps (`sections`, one per module); node:module's SourceMap reads both kinds.
const sourcesOf = (payload) => [...(payload.sources || []),
  ...(payload.sections || []).flatMap((s) => s.map.sources || [])];

await send('Runtime.enable');
await send('Debugger.enable');
await new Promise((r) => setTimeout(r, 1000)); // scriptParsed for every loaded script arrives first
const parsed = events.filter((e) => e.method === 'Debugger.scriptParsed').map((e) => e.params);

// Find the chunk and the generated location of the wanted line (smallest column on that line).
let found = null;
for (const script of parsed) {
  if (!script.sourceMapURL || !script.url.includes('.next')) continue;
  let map;
  try { map = await sourceMapOf(script); } catch { continue; }
  if (!map || !sourcesOf(map.payload).some(matches)) continue;
  const source = await send('Debugger.getScriptSource', { scriptId: script.scriptId });
  const lines = source.scriptSource.split('\n');
  for (let l = 0; l < lines.length && !found; l++) {
    for (let c = 0; c < lines[l].length; c++) {
      const e = map.findEntry(l, c);
      if (e && e.generatedLine === l && e.generatedColumn === c && matches(e.originalSource)
          && e.originalLine + 1 === wantLine) {
        found = { script, map, line: l, column: c };
        break;
      }
    }
  }
  if (found) break;
}
if (!found) fail(`no loaded chunk maps ${sourcePath}:${wantLine} (request the route once first)`);

const { breakpointId } = await send('Debugger.setBreakpoint', {
  location: { scriptId: found.script.scriptId, lineNumber: found.line, columnNumber: found.column },
});
const paused = next('Debugger.paused');
const response = fetch(requestUrl).then((r) => r.status, (e) => `error: ${e}`);
const event = await paused;
const top = event.callFrames[0];
const entry = found.map.findEntry(top.location.lineNumber, top.location.columnNumber);
const result = {
  paused: {
    source: entry.originalSource, line: entry.originalLine + 1,
    generated: { url: found.script.url, line: top.location.lineNumber + 1 },
    sameScript: top.location.scriptId === found.script.scriptId,
  },
};
await send('Debugger.removeBreakpoint', { breakpointId });
await send('Debugger.resume');
result.status = await response;
console.log(JSON.stringify(result));
ws.close();
process.exit(0);
