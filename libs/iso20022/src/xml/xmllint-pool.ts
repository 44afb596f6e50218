import { Worker } from 'node:worker_threads';

/** One run of xmllint: the files it sees (an in-memory file system of its own) and its command line. */
export interface XmllintJob {
  inputFiles: { fileName: string; contents: string }[];
  args: string[];
  /** libxml2's memory, in 64 KiB WebAssembly pages. */
  initialMemoryPages: number;
  maxMemoryPages: number;
}

export interface XmllintExit {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * The worker: compiles xmllint-wasm's libxml2 build once, then runs each job in a new instance of it (its own memory,
 * its own in-memory files, nothing shared with the job before). xmllint-wasm itself starts a worker thread and compiles
 * the 780 KB module for every call (about 250 ms of CPU); here a run costs what libxml2 does.
 * The Emscripten factory (`xmllint-node.js`, pinned version) takes `inputFiles` (written to its file system before
 * `main`), `arguments`, `print`/`printErr`, `onExit`, `onAbort`, `wasmMemory` and the standard `instantiateWasm` hook.
 * Requiring the factory also registers xmllint-wasm's own message listener, which ignores messages not tagged as its.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const factory = require(workerData.factory);
const compiled = new WebAssembly.Module(fs.readFileSync(workerData.wasm));
parentPort.on('message', (job) => {
  if (!job || job.nostroXmllintJob !== true) return;
  let stdout = '';
  let stderr = '';
  let done = false;
  const finish = (exitCode) => {
    if (done) return;
    done = true;
    parentPort.postMessage({ nostroXmllintExit: true, exitCode, stdout, stderr });
  };
  factory({
    inputFiles: job.inputFiles,
    arguments: job.args,
    print: (text) => { stdout += text + '\\n'; },
    printErr: (text) => { stderr += text + '\\n'; },
    onExit: finish,
    onAbort: (reason) => { stderr += 'WASM Abort: ' + reason + '\\n'; finish(-1); },
    wasmMemory: new WebAssembly.Memory({ initial: job.initialMemoryPages, maximum: job.maxMemoryPages }),
    instantiateWasm: (imports, receive) => {
      WebAssembly.instantiate(compiled, imports).then((instance) => receive(instance, compiled), (error) => { stderr += String(error) + '\\n'; finish(-1); });
      return {};
    },
  }).then(() => finish(0), (error) => { stderr += String(error) + '\\n'; finish(-1); });
});
`;

interface PooledWorker {
  worker: Worker;
  /** The job it runs, settled by its answer or its death. */
  current: { resolve: (exit: XmllintExit) => void; reject: (error: Error) => void } | null;
}

/**
 * A few long-lived xmllint workers. Each runs one job at a time (libxml2 runs synchronously in it); jobs beyond the
 * pool's size wait in order. Idle workers do not keep the process alive; a worker that dies fails its job and is
 * replaced by the next job that needs one.
 */
export class XmllintPool {
  private readonly alive = new Set<PooledWorker>();
  private readonly idle: PooledWorker[] = [];
  private readonly waiting: { job: XmllintJob; resolve: (exit: XmllintExit) => void; reject: (error: Error) => void }[] = [];

  constructor(private readonly maxWorkers: number) {}

  run(job: XmllintJob): Promise<XmllintExit> {
    return new Promise<XmllintExit>((resolve, reject) => {
      this.waiting.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every idle worker (busy ones stop when their job ends); the next job starts new ones. */
  async close(): Promise<void> {
    await Promise.all(this.idle.splice(0).map((pooled) => pooled.worker.terminate()));
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      const pooled = this.idle.pop() ?? (this.alive.size < this.maxWorkers ? this.start() : null);
      if (pooled === null) return;
      const next = this.waiting.shift();
      if (next === undefined) return;
      pooled.current = { resolve: next.resolve, reject: next.reject };
      pooled.worker.ref();
      pooled.worker.postMessage({ nostroXmllintJob: true, ...next.job });
    }
  }

  private start(): PooledWorker {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { factory: require.resolve('xmllint-wasm/xmllint-node.js'), wasm: require.resolve('xmllint-wasm/xmllint.wasm') },
    });
    const pooled: PooledWorker = { worker, current: null };
    worker.on('message', (message: XmllintExit & { nostroXmllintExit?: boolean }) => {
      if (message?.nostroXmllintExit !== true || pooled.current === null) return;
      const { resolve } = pooled.current;
      pooled.current = null;
      worker.unref();
      this.idle.push(pooled);
      resolve({ exitCode: message.exitCode, stdout: message.stdout, stderr: message.stderr });
      this.dispatch();
    });
    const die = (error: Error) => {
      if (!this.alive.delete(pooled)) return;
      const index = this.idle.indexOf(pooled);
      if (index >= 0) this.idle.splice(index, 1);
      const current = pooled.current;
      pooled.current = null;
      current?.reject(error);
      this.dispatch();
    };
    this.alive.add(pooled);
    worker.on('error', die);
    worker.on('exit', (code) => die(new Error(`xmllint worker exited with code ${code}`)));
    return pooled;
  }
}
