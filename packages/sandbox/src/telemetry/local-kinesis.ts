import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { CreateStreamCommand, KinesisClient, waitUntilStreamExists } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";

export interface LocalKinesisOptions {
  streamName: string;
  /**
   * Default 2. A shard takes 1,000 records/s on AWS, exactly what 1,000 devices at a message a
   * second put; and each shard has its own reader, so two let one batch be read while the
   * other is written (a thing's records still stay in order: one thing, one shard).
   */
  shardCount?: number;
  /** Default `127.0.0.1`. */
  host?: string;
}

const DEFAULT_SHARD_COUNT = 2;

export interface LocalKinesis {
  /** `http://host:port`: a real Kinesis API (kinesalite) for any SDK client. */
  readonly endpoint: string;
  readonly streamName: string;
  /** An SDK client for this endpoint. */
  readonly client: KinesisClient;
  close(): Promise<void>;
}

/**
 * Starts kinesalite on a free loopback port, in a worker thread of its own (so the sandbox's
 * broker and ingest keep the main thread), and creates the stream. The stream lives in memory:
 * the sandbox drains it into the store before it stops (see `startKinesisPoller`), so only
 * records put after that are lost with the process, as they would be without a consumer.
 */
export async function startLocalKinesis(options: LocalKinesisOptions): Promise<LocalKinesis> {
  const host = options.host ?? "127.0.0.1";
  const worker = new Worker(new URL("./kinesalite-worker.ts", import.meta.url), {
    workerData: { host },
  });
  const [{ port }] = (await once(worker, "message")) as [{ port: number }];
  const endpoint = `http://${host}:${port}`;
  const client = createLocalKinesisClient(endpoint);
  try {
    await client.send(
      new CreateStreamCommand({
        StreamName: options.streamName,
        ShardCount: options.shardCount ?? DEFAULT_SHARD_COUNT,
      }),
    );
    await waitUntilStreamExists(
      { client, maxWaitTime: 10, minDelay: 1, maxDelay: 1 },
      { StreamName: options.streamName },
    );
  } catch (error) {
    client.destroy();
    await closeServer(worker);
    throw error;
  }
  let closed: Promise<void> | undefined;
  return {
    endpoint,
    streamName: options.streamName,
    client,
    close() {
      closed ??= (async () => {
        client.destroy();
        await closeServer(worker);
      })();
      return closed;
    },
  };
}

/**
 * An SDK client for kinesalite: HTTP/1.1 (the SDK's Kinesis client defaults to HTTP/2, which
 * kinesalite does not speak) and placeholder credentials (kinesalite checks none).
 */
export function createLocalKinesisClient(endpoint: string): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "sandbox", secretAccessKey: "sandbox" },
    requestHandler: new NodeHttpHandler(),
  });
}

/** Closes kinesalite's server (its connections too), then ends the worker. */
async function closeServer(worker: Worker): Promise<void> {
  const closed = once(worker, "message");
  worker.postMessage("close");
  await closed;
  await worker.terminate();
}
