// Answers of a stage's AWS services that several CLI tests share (aws-sdk-client-mock stubs).
import { Readable } from "node:stream";
import {
  GetIndexingConfigurationCommand,
  type IoTClient,
  SearchIndexCommand,
  type ThingDocument,
} from "@aws-sdk/client-iot";
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from "@aws-sdk/client-s3";
import type { AwsClientStub } from "aws-sdk-client-mock";

/** Fleet indexing on (registry and connectivity), every search answering `things`. */
export function answerFleetIndex(iot: AwsClientStub<IoTClient>, things: ThingDocument[]): void {
  iot.on(GetIndexingConfigurationCommand).resolves({
    thingIndexingConfiguration: {
      thingIndexingMode: "REGISTRY",
      thingConnectivityIndexingMode: "STATUS",
    },
  });
  iot.on(SearchIndexCommand).resolves({ things });
}

/** Every GetObject answers the allow-list `text`, version v1, empty lists not allowed. */
export function answerAllowListObject(s3: AwsClientStub<S3Client>, text: string): void {
  s3.on(GetObjectCommand).callsFake(async () => ({
    VersionId: "v1",
    Metadata: { "allow-empty": "false" },
    Body: Readable.from([Buffer.from(text)]) as unknown as GetObjectCommandOutput["Body"],
  }));
}
