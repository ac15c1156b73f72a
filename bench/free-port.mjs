// A loopback port that was free a moment ago, for a server a bench starts
// (redis-server): the kernel picks it for a listener that is closed at once.
import { createServer } from "node:net";

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
