// One worker thread: receives chunks of raw bytes (transferred, not copied),
// feeds them into its own sketches, and answers with the sketches' images
// (transferred back).
import { parentPort } from "node:worker_threads";
import { emptySketches, feed } from "./shared.mjs";

const sketches = emptySketches();
let lines = 0;
let busyMs = 0;
parentPort.on("message", (message) => {
  if (message.type === "chunk") {
    const t0 = performance.now();
    lines += feed(new Uint8Array(message.buffer), sketches);
    busyMs += performance.now() - t0;
    return;
  }
  if (message.type === "finish") {
    const images = Object.fromEntries(Object.entries(sketches).map(([name, sketch]) => [name, sketch.toBytes()]));
    parentPort.postMessage({ lines, images, busyMs }, Object.values(images).map((image) => image.buffer));
  }
});
