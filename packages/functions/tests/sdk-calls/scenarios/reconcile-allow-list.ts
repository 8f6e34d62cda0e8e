import { Readable } from "node:stream";
import { DescribeThingCommand, ListThingsInThingGroupCommand } from "@aws-sdk/client-iot";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { fixture, context as lambdaContext } from "../../unit/lambda-test-kit.ts";
import type { HandlerScenario } from "../handler-scenario.ts";
import { answerRegistry, CA_PEM, DEVICE_PEMS, iotArn } from "../iot-answers.ts";

const KEPT = "10000000abcdef01";
const GONE = "20000000abcdef02";

export const scenarios: HandlerScenario[] = [
  {
    name: "removes a device that left the allow-list: certificate revoked, detached, deleted, thing deleted",
    // A CA certificate that parses, should the stack give the function its CA.
    env: { CA_CERTIFICATE_PEM: CA_PEM },
    async run({ sdk, aws, env, load }) {
      const list = Buffer.from(`${KEPT}\n`);
      sdk.on(GetObjectCommand).callsFake(() => ({
        Body: Readable.from([list]),
        ContentLength: list.length,
        VersionId: "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY",
        Metadata: {},
      }));
      sdk.on(ListThingsInThingGroupCommand).resolves({ things: [KEPT, GONE] });
      sdk.on(DescribeThingCommand, { thingName: KEPT }).resolves({
        thingName: KEPT,
        thingArn: iotArn(aws, `thing/${KEPT}`),
        attributes: { serial: KEPT },
      });
      answerRegistry(sdk, aws, {
        thingName: GONE,
        certificates: [DEVICE_PEMS[0]],
        policies: [env.DEVICE_POLICY_NAME ?? "device-policy"],
      });
      const event = fixture("s3-allow-list-created");
      event.Records[0].s3.bucket.name = env.ALLOW_LIST_BUCKET;
      await (await load())(event, lambdaContext);
    },
  },
];
