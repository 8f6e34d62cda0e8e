import { Readable } from "node:stream";
import {
  DescribeCertificateCommand,
  ListThingPrincipalsCommand,
  UpdateCertificateCommand,
} from "@aws-sdk/client-iot";
import { GetObjectCommand, NoSuchKey } from "@aws-sdk/client-s3";
import { fixture, context as lambdaContext } from "../../unit/lambda-test-kit.ts";
import type { HandlerScenario } from "../handler-scenario.ts";
import { answerRegistry, certificateIdOf, DEVICE_PEMS, iotArn } from "../iot-answers.ts";
import type { SdkRecorder } from "../sdk-recorder.ts";

/** The serial of the fixture event and its certificate's CN. */
const SERIAL = "10000000abcdef01";

function storeAllowList(sdk: SdkRecorder, text: string): void {
  const bytes = Buffer.from(text);
  sdk.on(GetObjectCommand).callsFake(() => ({
    Body: Readable.from([bytes]),
    ContentLength: bytes.length,
    VersionId: "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY",
    Metadata: {},
  }));
}

export const scenarios: HandlerScenario[] = [
  {
    name: "allows an allow-listed serial whose thing has no certificate and clears its ledger entry",
    async run({ sdk, aws, load }) {
      storeAllowList(sdk, `serial\n${SERIAL}\n`);
      answerRegistry(sdk, aws, { thingName: SERIAL, certificates: [], policies: [] });
      await (await load())(fixture("pre-provisioning-hook"), lambdaContext);
    },
  },
  {
    name: "allows a serial whose thing's only certificate is INACTIVE, and retires it (REVOKED)",
    async run({ sdk, aws, load }) {
      storeAllowList(sdk, `serial\n${SERIAL}\n`);
      const pem = DEVICE_PEMS[0];
      const certificateId = certificateIdOf(pem);
      const certificateArn = iotArn(aws, `cert/${certificateId}`);
      sdk.on(ListThingPrincipalsCommand).resolves({ principals: [certificateArn] });
      sdk.on(DescribeCertificateCommand).resolves({
        certificateDescription: {
          certificateId,
          certificateArn,
          certificatePem: pem,
          status: "INACTIVE",
        },
      });
      sdk.on(UpdateCertificateCommand).resolves({});
      await (await load())(fixture("pre-provisioning-hook"), lambdaContext);
    },
  },
  {
    name: "denies an allow-listed serial whose thing already has an ACTIVE certificate",
    async run({ sdk, aws, load }) {
      storeAllowList(sdk, `serial\n${SERIAL}\n`);
      answerRegistry(sdk, aws, { thingName: SERIAL, certificates: [DEVICE_PEMS[0]], policies: [] });
      await (await load())(fixture("pre-provisioning-hook"), lambdaContext);
    },
  },
  {
    name: "denies a serial the allow-list leaves out and records the refusal",
    async run({ sdk, load }) {
      storeAllowList(sdk, "serial\n20000000abcdef02\n");
      await (await load())(fixture("pre-provisioning-hook"), lambdaContext);
    },
  },
  {
    name: "denies every device while no allow-list is uploaded (S3 answers NoSuchKey)",
    async run({ sdk, load }) {
      sdk.on(GetObjectCommand).rejects(new NoSuchKey({ message: "no such key", $metadata: {} }));
      await (await load())(fixture("pre-provisioning-hook"), lambdaContext);
    },
  },
];
