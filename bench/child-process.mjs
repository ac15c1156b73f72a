// One measurement in a process of its own: the benches fork their own script
// with a --child-style argument, the child measures and sends one message
// (its rows), and the parent collects it. A process per measurement leaves
// each row only its own JIT feedback and heap (bench/dedup.mjs), or its own
// process state (bench/hash.mjs: a String subclass defined by a client).
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Forks `script` (a file URL, usually `import.meta.url`) with `args` and Node
 * flags `execArgv`; resolves with the last message the child sent, rejects
 * when it fails to start, exits with a non-zero code, or exits without
 * sending anything.
 */
export function runInChild(script, args, execArgv = []) {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(script), args, { execArgv });
    let message;
    let sent = false;
    child.on("message", (m) => {
      message = m;
      sent = true;
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 && sent ? resolve(message) : reject(new Error(`${fileURLToPath(script)} ${args.join(" ")} exited with ${code}${sent ? "" : " without a result"}`))));
  });
}
