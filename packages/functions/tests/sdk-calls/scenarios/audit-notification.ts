import { CreateJobCommand, ListAuditFindingsCommand } from "@aws-sdk/client-iot";
import { fixture, context as lambdaContext } from "../../unit/lambda-test-kit.ts";
import { type HandlerScenario, type ScenarioContext, UNPACED } from "../handler-scenario.ts";
import { answerRegistry, certificateIdOf, DEVICE_PEMS } from "../iot-answers.ts";
import { answerRotationTable, THING } from "../rotation-answers.ts";

const [EXPIRING_PEM] = DEVICE_PEMS;

/** A completed audit that flagged the thing's only certificate. */
function answerAudit({ sdk, aws }: ScenarioContext): void {
  sdk.on(ListAuditFindingsCommand).resolves({
    findings: [
      {
        checkName: "DEVICE_CERTIFICATE_EXPIRING_CHECK",
        nonCompliantResource: {
          resourceType: "DEVICE_CERTIFICATE",
          resourceIdentifier: { deviceCertificateId: certificateIdOf(EXPIRING_PEM) },
        },
      },
    ],
  });
  answerRegistry(sdk, aws, { thingName: THING, certificates: [EXPIRING_PEM], policies: [] });
  answerRotationTable(sdk, null);
}

export const scenarios: HandlerScenario[] = [
  {
    name: "starts a rotation job from the stage's template for the thing of a flagged certificate",
    env: UNPACED,
    async run(scenario) {
      answerAudit(scenario);
      await (await scenario.load())(fixture("sns-audit-notification"), lambdaContext);
    },
  },
  {
    name: "records the rotation as failed, freeing the thing, when its job cannot be created",
    env: UNPACED,
    async run(scenario) {
      answerAudit(scenario);
      scenario.sdk
        .on(CreateJobCommand)
        .rejects(Object.assign(new Error("limit exceeded"), { name: "LimitExceededException" }));
      await (await scenario.load())(fixture("sns-audit-notification"), lambdaContext);
    },
  },
];
