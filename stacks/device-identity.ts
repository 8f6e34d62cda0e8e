import { devicePolicyDocument, stageResourceNames } from "@fleet/core/contracts";

export interface DeviceIdentity {
  thingGroup: aws.iot.ThingGroup;
  devicePolicy: aws.iot.Policy;
  fleetIndexing: aws.iot.IndexingConfiguration;
  /** Host name devices connect to (MQTT over TLS on 8883). */
  dataEndpoint: $util.Output<string>;
}

/**
 * Who a device is in AWS IoT: the stage's thing group every provisioned thing joins, the one
 * IoT policy attached to every device certificate, fleet indexing so operators can ask which
 * devices are connected, and the data endpoint devices connect to.
 */
export function deviceIdentity(): DeviceIdentity {
  const partition = aws.getPartitionOutput().partition;
  const region = aws.getRegionOutput().region;
  const accountId = aws.getCallerIdentityOutput().accountId;

  // The CLI finds these by the same names (`fleet devices --stage <stage>`).
  const names = stageResourceNames($app.stage);

  const thingGroup = new aws.iot.ThingGroup("DeviceThingGroup", {
    name: names.thingGroupName,
    properties: { description: `Provisioned devices of ${$app.name} (${$app.stage})` },
  });

  // The exact document the sandbox broker evaluates: built once in core, never edited here.
  const devicePolicy = new aws.iot.Policy("DevicePolicy", {
    name: names.devicePolicyName,
    policy: $resolve({ partition, region, accountId }).apply((scope) =>
      JSON.stringify(devicePolicyDocument(scope)),
    ),
  });

  // Fleet indexing is one setting per account and region, which is one reason each stage has
  // its own account. Connectivity status makes `connectivity.connected:true` searchable; the
  // classic shadow's reported state gives each device's running apps (`fleet devices`).
  const fleetIndexing = new aws.iot.IndexingConfiguration("FleetIndexing", {
    thingIndexingConfiguration: {
      thingIndexingMode: "REGISTRY_AND_SHADOW",
      thingConnectivityIndexingMode: "STATUS",
    },
  });

  // The ATS endpoint's certificate chains to Amazon Trust Services roots, which devices trust;
  // the legacy `iot:Data` endpoint chains to a Symantec root that clients no longer trust.
  const dataEndpoint = aws.iot.getEndpointOutput({ endpointType: "iot:Data-ATS" }).endpointAddress;

  return { thingGroup, devicePolicy, fleetIndexing, dataEndpoint };
}
