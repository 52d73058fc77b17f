import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

/** A moto_server on a loopback port, owned by this Node process. */
export interface MotoServer {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** Region the world's clients sign for; moto keys its state by the signed region. */
  region: string;
  pid: number;
  /** Forget every resource (`POST /moto-api/reset`). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  region?: string;
  /** How long to wait for moto to answer before giving up (default 30 s; the machine may be busy). */
  startTimeoutMs?: number;
}

export const defaultRegion = 'eu-west-1';

/** Makes the moto at `endpoint` forget every resource (`POST /moto-api/reset`). */
export async function resetMoto(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`moto reset answered ${response.status}`);
}

const installHint = 'install it with pip install "moto[server]" (Python 3.9+)';

// The wrapper binds port 0 itself, so no other process can take the port between choosing and
// binding it, and exits as soon as its stdin reaches end-of-file. The pipe's write end lives only in
// this Node process, so the kernel closes it when Node dies for any reason, SIGKILL included: moto
// cannot outlive us even when no exit handler gets to run.
const wrapper = `
import json, logging, os, sys
try:
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
except ImportError as error:
    print(json.dumps({"missing": str(error)}), flush=True)
    os._exit(3)
logging.getLogger("werkzeug").setLevel(logging.ERROR)
# moto lists its own package directory (a listdir and ~170 isdir calls) on every request to find
# the service; the list never changes while it runs, so it is read once. A third of a Describe*
# request's time locally.
import moto.backends as moto_backends
moto_modules = tuple(moto_backends.list_of_moto_modules())
moto_backends.list_of_moto_modules = lambda: moto_modules
# DynamoDB applies a conditional write atomically. moto checks the condition and then writes, on
# whichever server thread the request came in, so two concurrent writes could both pass one
# condition (the tenants' locks depend on it): its item writes take one lock, one at a time
# (re-entrant: a transaction or a batch writes through the same methods).
import threading
import moto.dynamodb.models as moto_dynamodb
item_writes = threading.RLock()
def one_at_a_time(write):
    def locked(*args, **kwargs):
        with item_writes:
            return write(*args, **kwargs)
    return locked
for name in ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item"):
    if hasattr(moto_dynamodb.DynamoDBBackend, name):
        setattr(moto_dynamodb.DynamoDBBackend, name, one_at_a_time(getattr(moto_dynamodb.DynamoDBBackend, name)))
# Three costs of moto's own that grow with the size of what a request carries, cut without changing
# an answer (the tests in test/local/moto-dynamodb.test.ts hold the answers to the AWS behaviour):
# 1. Every request lists the methods of its service's response class with inspect.getmembers
#    (moto/core/responses.py, BaseResponse.call_action, through moto/core/utils.py
#    method_names_from_class). The classes do not change while the server runs: listed once each.
import functools
import moto.core.responses as moto_responses
moto_responses.method_names_from_class = functools.lru_cache(maxsize=None)(moto_responses.method_names_from_class)
# 2. A response is serialized member by member along the botocore output shape, and for each member
#    of each value six alias providers are asked which keys might hold it (moto/core/serialize.py,
#    AttributePicker.get_possible_keys): for a DynamoDB item, ten times per AttributeValue. For a
#    plain dict the answer depends only on the member's shape, the structure it is a member of and
#    its key (a dict has no Meta class, and its class name is "dict"), so it is worked out once.
import moto.core.serialize as moto_serialize
def keys_worked_out_once(picker_class):
    original = picker_class.__dict__["get_possible_keys"]
    known = {}
    def get_possible_keys(self, context):
        if type(context.obj) is not dict:
            return original(self, context)
        shape = context.shape
        token = (type(self), tuple(self.alias_providers), shape, getattr(shape, "parent", None), context.key)
        keys = known.get(token)
        if keys is None:
            keys = known[token] = tuple(original(self, context))
        return keys
    picker_class.get_possible_keys = get_possible_keys
keys_worked_out_once(moto_serialize.AttributePicker)
keys_worked_out_once(moto_serialize.XFormedAttributePicker)
# 3. A DynamoDB item is built attribute by attribute into a LimitedSizeDict, whose every insert sums
#    the size of all the attributes before it to enforce DynamoDB's 400 KB item limit
#    (moto/dynamodb/models/dynamo_type.py, Item.__init__ and LimitedSizeDict.__setitem__): quadratic,
#    on every write and every projected read. Sizes only grow as attributes are added, so one check
#    when the item is complete (moto's own, on its last attribute) refuses exactly the same items.
import moto.dynamodb.models.dynamo_type as moto_dynamo_type
building_item = threading.local()
limited_setitem = moto_dynamo_type.LimitedSizeDict.__setitem__
def setitem(self, key, value):
    if getattr(building_item, "active", False):
        dict.__setitem__(self, key, value)
    else:
        limited_setitem(self, key, value)
moto_dynamo_type.LimitedSizeDict.__setitem__ = setitem
item_init = moto_dynamo_type.Item.__init__
def init_then_check_size(self, *args, **kwargs):
    building_item.active = True
    try:
        item_init(self, *args, **kwargs)
    finally:
        building_item.active = False
    if self.attrs:
        last = next(reversed(self.attrs))
        limited_setitem(self.attrs, last, dict.pop(self.attrs, last))
moto_dynamo_type.Item.__init__ = init_then_check_size
# Every CreateUserPool imports the same private key from moto's resources, and importing checks the
# RSA key: about 0.3 s of CPU, most of the request. moto signs with that one fixed key for every pool,
# so the imported key is kept and handed out again (it is only ever read).
import types
import moto.cognitoidp.models as moto_cognito
imported_keys = {}
def import_once(value, *args, **kwargs):
    if args or kwargs:
        return moto_cognito_jwk.RSAKey.import_key(value, *args, **kwargs)
    token = json.dumps(value, sort_keys=True)
    if token not in imported_keys:
        imported_keys[token] = moto_cognito_jwk.RSAKey.import_key(value)
    return imported_keys[token]
moto_cognito_jwk = moto_cognito.jwk
moto_cognito.jwk = types.SimpleNamespace(RSAKey=types.SimpleNamespace(import_key=import_once))
# Werkzeug's development server answers every request with "Connection: close" (werkzeug/serving.py,
# WSGIRequestHandler.run_wsgi: http.server does not drain an unread request body before reading the
# next request line), so every SDK call and every strict-layer request opened a new TCP connection
# and moto a new thread for it: 8 per verification. The handler below reads the whole body before
# moto sees the request, so nothing is left unread, and then keeps the connection open. A chunked
# request body still closes it, as before.
import io
import werkzeug.serving as werkzeug_serving
import moto.moto_server.threaded_moto_server as moto_threaded
class KeepAliveHandler(werkzeug_serving.WSGIRequestHandler):
    protocol_version = "HTTP/1.1"
    # The headers and the body go out in two writes; on a connection that stays open, Nagle's
    # algorithm would hold the body until the client's delayed ACK of the headers (~40 ms).
    disable_nagle_algorithm = True
    drained = False
    def handle_one_request(self):
        # Each request starts undrained: an error answered before its body is read still closes.
        self.drained = False
        this_request.drained = False
        super().handle_one_request()
    def make_environ(self):
        environ = super().make_environ()
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return environ
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return environ
        body = self.rfile.read(length) if length > 0 else b""
        if len(body) == length:
            environ["wsgi.input"] = io.BytesIO(body)
            self.drained = True
        this_request.drained = self.drained
        return environ
    def send_header(self, keyword, value):
        if keyword.lower() == "connection" and value.lower() == "close" and self.drained:
            return
        super().send_header(keyword, value)
# After each response werkzeug discards whatever else the socket holds (it may read the next request
# line, as it expects to close): a request whose body was read here has nothing to discard.
import threading as moto_threading
this_request = moto_threading.local()
real_selectors = werkzeug_serving.selectors
class NothingLeft:
    def register(self, *args, **kwargs): pass
    def select(self, timeout=None): return []
    def close(self): pass
werkzeug_serving.selectors = types.SimpleNamespace(
    EVENT_READ=real_selectors.EVENT_READ,
    DefaultSelector=lambda: NothingLeft() if getattr(this_request, "drained", False) else real_selectors.DefaultSelector(),
)
def make_keep_alive_server(*args, **kwargs):
    kwargs["request_handler"] = KeepAliveHandler
    return werkzeug_serving.make_server(*args, **kwargs)
moto_threaded.make_server = make_keep_alive_server
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(json.dumps({"port": server.get_host_and_port()[1], "python": sys.executable}), flush=True)
try:
    sys.stdin.buffer.read()
finally:
    os._exit(0)
`;

type MotoChild = ChildProcessByStdio<Writable, Readable, Readable>;

const running = new Set<MotoChild>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Belt and braces next to the stdin pipe: on a normal exit, kill without waiting for moto to
  // notice end-of-file.
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const region = options.region ?? defaultRegion;
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const python = resolvePython();
  try {
    return await launch(python.command, region, timeoutMs, python.cacheKey);
  } catch (error) {
    // A cached interpreter may have lost moto since (a pyenv switch); fall back once.
    if (python.fromCache && error instanceof MotoNotInstalledError) {
      forgetCachedPython();
      return launch('python3', region, timeoutMs, python.cacheKey);
    }
    throw error;
  }
}

class MotoNotInstalledError extends Error {
  override readonly name = 'MotoNotInstalledError';
}

async function launch(
  python: string,
  region: string,
  timeoutMs: number,
  cacheKey: string | undefined,
): Promise<MotoServer> {
  installExitHook();
  const child: MotoChild = spawn(python, ['-c', wrapper], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, AWS_DEFAULT_REGION: region, PYTHONUNBUFFERED: '1' },
  });
  running.add(child);
  const stderr = tailOf(child.stderr);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('exit', () => running.delete(child));

  const fail = (error: Error): never => {
    child.kill('SIGKILL');
    throw error;
  };

  let ready: { port: number; python: string };
  try {
    ready = await readyLine(child, exited, timeoutMs);
  } catch (error) {
    const cause = error as Error & { code?: string };
    if (cause.code === 'ENOENT') {
      fail(new MotoNotInstalledError(`moto_server cannot start: ${python} was not found; ${installHint}`));
    }
    if (cause instanceof MotoNotInstalledError) fail(cause);
    const detail = stderr.text();
    return fail(new Error(`moto_server did not start: ${cause.message}${detail ? `\n${detail}` : ''}`));
  }

  const endpoint = `http://127.0.0.1:${ready.port}`;
  await waitUntilAnswering(endpoint, Date.now() + timeoutMs).catch((error: Error) => fail(error));
  if (cacheKey && python === 'python3') rememberPython(cacheKey, ready.python);

  // Nothing more is expected on stdout, but keep draining it so a chatty moto never blocks on a
  // full pipe. Moto must never keep the Node process alive on its own; the pipes close with it.
  child.stdout.resume();
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void }).unref?.();
  }

  const pid = child.pid ?? 0;
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    region,
    pid,
    reset: () => resetMoto(endpoint),
    stop() {
      stopped ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.stdin.end();
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopped;
    },
  };
}

function readyLine(
  child: MotoChild,
  exited: Promise<number | null>,
  timeoutMs: number,
): Promise<{ port: number; python: string }> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const settle = (action: () => void) => {
      clearTimeout(timer);
      child.stdout.removeAllListeners('data');
      action();
    };
    child.once('error', (error) => settle(() => reject(error)));
    const notInstalled = () =>
      new MotoNotInstalledError(`moto is not installed for ${child.spawnfile}: ${installHint}`);
    // Exit code 3 is the wrapper's "cannot import moto", in case the exit overtakes its last line.
    exited.then((code) =>
      settle(() => reject(code === 3 ? notInstalled() : new Error(`the process exited with code ${code}`))),
    );
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
        const line = parseLine(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        if (line?.missing !== undefined) {
          const missing = new MotoNotInstalledError(
            `moto is not installed for ${child.spawnfile}: ${installHint}`,
          );
          settle(() => reject(missing));
          return;
        }
        if (line?.port) {
          const { port, python = '' } = line;
          settle(() => resolve({ port, python }));
          return;
        }
      }
    });
  });
}

// The wrapper's ready line; anything else a site customisation prints to stdout is skipped.
function parseLine(line: string): { port?: number; python?: string; missing?: string } | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    return parsed && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

async function waitUntilAnswering(endpoint: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline) throw new Error(`moto_server at ${endpoint} did not answer GET /moto-api/`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Keeps the last lines a process wrote, for error messages (moto never logs request bodies). */
function tailOf(stream: Readable): { text(): string } {
  let tail = '';
  stream.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-2_000);
  });
  return { text: () => tail.trim() };
}

// Which Python to run. A pyenv shim costs ~0.4 s of bash per start (measured here), which every
// test file pays, so prefer the interpreter behind moto_server: from MOTO_PYTHON, from the
// script's shebang, or from what an earlier start through the shim reported (cached in tmpdir).
interface PythonChoice {
  command: string;
  fromCache: boolean;
  cacheKey?: string;
}

const cacheFile = join(tmpdir(), 'authentik-cognito-federation-moto-python.json');

function resolvePython(): PythonChoice {
  const configured = process.env.MOTO_PYTHON;
  if (configured) return { command: configured, fromCache: false };
  const script = findOnPath('moto_server');
  const shebangPython = script ? interpreterOf(script) : undefined;
  if (shebangPython) return { command: shebangPython, fromCache: false };
  const cacheKey = createHash('sha256')
    .update([process.env.PATH, process.env.PYENV_VERSION, process.cwd(), script].join('\0'))
    .digest('hex');
  const cached = cachedPython(cacheKey);
  if (cached) return { command: cached, fromCache: true, cacheKey };
  return { command: 'python3', fromCache: false, cacheKey };
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function interpreterOf(script: string): string | undefined {
  try {
    const firstLine = readFileSync(script, 'utf8').slice(0, 300).split('\n')[0] ?? '';
    const match = /^#!\s*(\S+)\s*$/.exec(firstLine);
    const interpreter = match?.[1];
    if (interpreter && /\/python[\d.]*$/.test(interpreter) && existsSync(interpreter)) return interpreter;
  } catch {
    // unreadable: fall through to python3
  }
  return undefined;
}

function cachedPython(key: string): string | undefined {
  try {
    const entry = JSON.parse(readFileSync(cacheFile, 'utf8')) as { key?: string; python?: string };
    if (entry.key === key && entry.python && existsSync(entry.python)) return entry.python;
  } catch {
    // no cache yet
  }
  return undefined;
}

function rememberPython(key: string, python: string): void {
  if (!python || !existsSync(python)) return;
  try {
    // Write-then-rename so a concurrent reader never sees half a file.
    const temporary = `${cacheFile}.${process.pid}`;
    writeFileSync(temporary, JSON.stringify({ key, python }));
    renameSync(temporary, cacheFile);
  } catch {
    // the cache is only an optimisation
  }
}

function forgetCachedPython(): void {
  rmSync(cacheFile, { force: true });
}
