// Worker-thread entry: register tsx's loader in this thread, then run the TypeScript unit thread.
import { register } from "tsx/esm/api";
register();
await import("./unit-thread.ts");
