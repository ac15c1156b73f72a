// One worker thread: receives chunks of raw bytes (transferred, not copied),
// feeds them into its own sketches, and answers with the sketches' images
// (transferred back).
import { parentPort } from "node:worker_threads";
import { emptySketches, feed } from "./shared.mjs";

const sketches = emptySketches();
let lines = 0;
parentPort.on("message", (message) => {
  if (message.type === "chunk") {
    lines += feed(new Uint8Array(message.buffer), sketches);
    return;
  }
  if (message.type === "finish") {
    const images = Object.fromEntries(Object.entries(sketches).map(([name, sketch]) => [name, sketch.toBytes()]));
    parentPort.postMessage({ lines, images }, Object.values(images).map((image) => image.buffer));
  }
});
