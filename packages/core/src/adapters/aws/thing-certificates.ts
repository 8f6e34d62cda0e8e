import { type IoTClient, ListThingPrincipalsCommand } from "@aws-sdk/client-iot";
import { errorName, IOT_SERVICE, mapAwsError } from "./aws-errors.ts";
import { certificateIdFromArn } from "./iot-certificate-arn.ts";
import { nextTokenPages } from "./next-token-pages.ts";

/** A certificate principal of a thing: its id and the ARN AWS IoT names it by. */
export interface ThingCertificate {
  certificateId: string;
  arn: string;
}

/**
 * The certificates attached to a thing (ListThingPrincipals, every page; other principal
 * kinds are skipped), or undefined when the thing does not exist (any more).
 */
export async function listThingCertificates(
  iot: IoTClient,
  thingName: string,
): Promise<ThingCertificate[] | undefined> {
  const certificates: ThingCertificate[] = [];
  const list = (nextToken: string | undefined) =>
    iot.send(new ListThingPrincipalsCommand({ thingName, nextToken }));
  try {
    for await (const page of nextTokenPages(list)) {
      for (const arn of page.principals ?? []) {
        const certificateId = certificateIdFromArn(arn);
        if (certificateId !== undefined) certificates.push({ certificateId, arn });
      }
    }
  } catch (error) {
    if (errorName(error) === "ResourceNotFoundException") return undefined;
    throw mapAwsError(IOT_SERVICE, "ListThingPrincipals", error);
  }
  return certificates;
}
