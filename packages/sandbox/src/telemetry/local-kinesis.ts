import { CreateStreamCommand, KinesisClient, waitUntilStreamExists } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import kinesalite from "kinesalite";
import { listen } from "../listen.ts";

export interface LocalKinesisOptions {
  streamName: string;
  /** Default 1: the sandbox's load fits one shard (1,000 records/s on AWS). */
  shardCount?: number;
  /** Default `127.0.0.1`. */
  host?: string;
}

export interface LocalKinesis {
  /** `http://host:port`: a real Kinesis API (kinesalite) for any SDK client. */
  readonly endpoint: string;
  readonly streamName: string;
  /** An SDK client for this endpoint. */
  readonly client: KinesisClient;
  close(): Promise<void>;
}

/**
 * Starts kinesalite on a free loopback port and creates the stream. The stream lives in memory:
 * the sandbox drains it into the store before it stops (see `startKinesisPoller`), so only
 * records put after that are lost with the process, as they would be without a consumer.
 */
export async function startLocalKinesis(options: LocalKinesisOptions): Promise<LocalKinesis> {
  const host = options.host ?? "127.0.0.1";
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0 });
  const port = await listen(server, 0, host);
  const endpoint = `http://${host}:${port}`;
  const client = createLocalKinesisClient(endpoint);
  try {
    await client.send(
      new CreateStreamCommand({
        StreamName: options.streamName,
        ShardCount: options.shardCount ?? 1,
      }),
    );
    await waitUntilStreamExists(
      { client, maxWaitTime: 10, minDelay: 1, maxDelay: 1 },
      { StreamName: options.streamName },
    );
  } catch (error) {
    client.destroy();
    await closeServer(server);
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
        await closeServer(server);
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

function closeServer(server: ReturnType<typeof kinesalite>): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
