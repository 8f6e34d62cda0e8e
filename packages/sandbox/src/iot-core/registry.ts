import { randomUUID, X509Certificate } from "node:crypto";
import { join } from "node:path";
import {
  certificateIdOf,
  type IotPolicyDocument,
  IotPolicyDocumentSchema,
  ThingNameSchema,
} from "@fleet/core/contracts";
import { type ZodType, z } from "zod";
import {
  CertificateStateError,
  DeleteConflictError,
  InvalidRequestError,
  ResourceAlreadyExistsError,
  ResourceNotFoundError,
  StateFileError,
} from "../errors.ts";
import { type CoalescingWriter, createCoalescingWriter } from "../state/coalescing-writer.ts";
import { readOptionalFile } from "../state/private-files.ts";
import type { NamedPolicy } from "./policy-evaluator.ts";
import {
  type CertificateRecord,
  PolicyNameSchema,
  type PolicyRecord,
  type RegistryState,
  RegistryStateSchema,
  type SandboxCertificateStatus,
  SandboxCertificateStatusSchema,
  ThingAttributesSchema,
  type ThingGroupRecord,
  type ThingRecord,
} from "./registry-state.ts";
import { registryArn } from "./sandbox-scope.ts";

export type {
  CertificateRecord,
  PolicyRecord,
  SandboxCertificateStatus,
  ThingGroupRecord,
  ThingRecord,
};

/** What changed for which certificates; the broker re-checks live sessions of those certificates. */
export type RegistryChange =
  | { kind: "certificate-status"; certificateId: string; status: SandboxCertificateStatus }
  | { kind: "certificate-policies"; certificateId: string }
  | { kind: "certificate-things"; certificateId: string; thingName: string; attached: boolean }
  | { kind: "policy-version"; policyName: string; certificateIds: string[] }
  /** A thing joined or left a thing group (deleting a thing leaves every group). */
  | { kind: "thing-group-membership"; thingGroupName: string; thingName: string; member: boolean };

export const REGISTRY_FILE = "registry.json";

/**
 * The AWS IoT Core registry the sandbox emulates: things, certificates, policies and their
 * attachments, with operations named after the AWS IoT API. Reads are synchronous and see every
 * change at once; each change resolves once it is persisted to `<stateDir>/registry.json`.
 */
export class IotRegistry {
  readonly #things = new Map<string, ThingRecord>();
  readonly #certificates = new Map<string, CertificateRecord>();
  readonly #policies = new Map<string, PolicyRecord>();
  readonly #principalPolicies = new Map<string, Set<string>>();
  readonly #thingPrincipals = new Map<string, Set<string>>();
  readonly #thingGroups = new Map<string, ThingGroupRecord>();
  readonly #thingGroupMembers = new Map<string, Set<string>>();
  readonly #listeners = new Set<(change: RegistryChange) => void>();
  readonly #writer: CoalescingWriter;

  private constructor(path: string) {
    this.#writer = createCoalescingWriter(
      path,
      () => `${JSON.stringify(this.#snapshot(), null, 2)}\n`,
    );
  }

  /** Loads the registry persisted in `stateDir`, or starts an empty one. */
  static async open(stateDir: string): Promise<IotRegistry> {
    const path = join(stateDir, REGISTRY_FILE);
    const registry = new IotRegistry(path);
    const text = await readOptionalFile(path);
    if (text !== null) registry.#restore(parseState(path, text));
    return registry;
  }

  // Things

  /** Like AWS CreateThing: creating an existing thing with the same attributes returns it. */
  async createThing(input: {
    thingName: string;
    attributes?: Record<string, string>;
  }): Promise<ThingRecord> {
    const thingName = valid("thingName", ThingNameSchema, input.thingName);
    const attributes = valid("attributes", ThingAttributesSchema, input.attributes ?? {});
    const existing = this.#things.get(thingName);
    if (existing) {
      if (sameAttributes(existing.attributes, attributes)) return structuredClone(existing);
      throw new ResourceAlreadyExistsError("thing", thingName, "with different attributes");
    }
    const thing: ThingRecord = {
      thingName,
      thingArn: registryArn("thing", thingName),
      thingId: randomUUID(),
      attributes,
      version: 1,
      createdAt: new Date().toISOString(),
    };
    this.#things.set(thingName, thing);
    await this.#writer.write();
    return structuredClone(thing);
  }

  describeThing(thingName: string): ThingRecord {
    return structuredClone(this.#thing(thingName));
  }

  /** The thing, or undefined. */
  findThing(thingName: string): ThingRecord | undefined {
    const thing = this.#things.get(thingName);
    return thing && structuredClone(thing);
  }

  listThings(): ThingRecord[] {
    return [...this.#things.values()].map((thing) => structuredClone(thing));
  }

  /** Like AWS UpdateThing: replaces the attributes and increments the version. */
  async updateThing(input: {
    thingName: string;
    attributes: Record<string, string>;
  }): Promise<ThingRecord> {
    const thing = this.#thing(input.thingName);
    const attributes = valid("attributes", ThingAttributesSchema, input.attributes);
    if (sameAttributes(thing.attributes, attributes)) return structuredClone(thing);
    const updated = { ...thing, attributes, version: thing.version + 1 };
    this.#things.set(thing.thingName, updated);
    await this.#writer.write();
    return structuredClone(updated);
  }

  /**
   * Like AWS DeleteThing: deleting a thing that does not exist succeeds; a thing with
   * principals attached cannot be deleted (detach them first). Leaves its thing groups.
   */
  async deleteThing(thingName: string): Promise<void> {
    if (!this.#things.has(thingName)) return;
    const principals = this.#thingPrincipals.get(thingName);
    if (principals !== undefined && principals.size > 0) {
      throw new DeleteConflictError(
        "thing",
        thingName,
        `certificates still attached (${[...principals].join(", ")})`,
      );
    }
    this.#things.delete(thingName);
    this.#thingPrincipals.delete(thingName);
    const left = [...this.#thingGroupMembers].filter(([, members]) => members.delete(thingName));
    await this.#writer.write();
    for (const [thingGroupName] of left) {
      this.#emit({ kind: "thing-group-membership", thingGroupName, thingName, member: false });
    }
  }

  // Thing groups

  /** Like AWS CreateThingGroup: creating an existing group returns it. */
  async createThingGroup(thingGroupName: string): Promise<ThingGroupRecord> {
    const name = valid("thingGroupName", ThingNameSchema, thingGroupName);
    const existing = this.#thingGroups.get(name);
    if (existing) return { ...existing };
    const group: ThingGroupRecord = {
      thingGroupName: name,
      thingGroupArn: registryArn("thinggroup", name),
      thingGroupId: randomUUID(),
      createdAt: new Date().toISOString(),
    };
    this.#thingGroups.set(name, group);
    await this.#writer.write();
    return { ...group };
  }

  findThingGroup(thingGroupName: string): ThingGroupRecord | undefined {
    const group = this.#thingGroups.get(thingGroupName);
    return group && { ...group };
  }

  /** Every thing group (AWS ListThingGroups). */
  listThingGroups(): ThingGroupRecord[] {
    return [...this.#thingGroups.values()].map((group) => ({ ...group }));
  }

  /** Like AWS AddThingToThingGroup; adding twice is a no-op. */
  async addThingToThingGroup(thingGroupName: string, thingName: string): Promise<void> {
    this.#thingGroup(thingGroupName);
    this.#thing(thingName);
    const members = setIn(this.#thingGroupMembers, thingGroupName);
    if (members.has(thingName)) return;
    members.add(thingName);
    await this.#writer.write();
    this.#emit({ kind: "thing-group-membership", thingGroupName, thingName, member: true });
  }

  /** Like AWS RemoveThingFromThingGroup; removing a thing that is not a member is a no-op. */
  async removeThingFromThingGroup(thingGroupName: string, thingName: string): Promise<void> {
    this.#thingGroup(thingGroupName);
    this.#thing(thingName);
    if (!this.#thingGroupMembers.get(thingGroupName)?.delete(thingName)) return;
    await this.#writer.write();
    this.#emit({ kind: "thing-group-membership", thingGroupName, thingName, member: false });
  }

  /** Thing names in the group (AWS ListThingsInThingGroup, not recursive). */
  listThingsInThingGroup(thingGroupName: string): string[] {
    this.#thingGroup(thingGroupName);
    return [...(this.#thingGroupMembers.get(thingGroupName) ?? [])];
  }

  /** Names of the groups a thing belongs to (AWS ListThingGroupsForThing). */
  listThingGroupsForThing(thingName: string): string[] {
    this.#thing(thingName);
    return [...this.#thingGroupMembers]
      .filter(([, members]) => members.has(thingName))
      .map(([groupName]) => groupName);
  }

  // Certificates

  /**
   * Like AWS RegisterCertificate: records a certificate by its id (SHA-256 of the DER).
   * `status` defaults to INACTIVE, as AWS does without `setAsActive`; PENDING_ACTIVATION is
   * what certificates made by CreateCertificateFromCsr start as.
   */
  async registerCertificate(input: {
    certificatePem: string;
    status?: SandboxCertificateStatus;
  }): Promise<CertificateRecord> {
    const status = valid("status", SandboxCertificateStatusSchema, input.status ?? "INACTIVE");
    let parsed: X509Certificate;
    try {
      parsed = new X509Certificate(input.certificatePem);
    } catch (error) {
      throw new InvalidRequestError("certificatePem", "not a PEM X.509 certificate", {
        cause: error,
      });
    }
    const certificateId = certificateIdOf(parsed.raw);
    if (this.#certificates.has(certificateId)) {
      throw new ResourceAlreadyExistsError("certificate", certificateId, "registered before");
    }
    const now = new Date().toISOString();
    const certificate: CertificateRecord = {
      certificateId,
      certificateArn: registryArn("cert", certificateId),
      certificatePem: parsed.toString(),
      status,
      notBefore: parsed.validFromDate.toISOString(),
      notAfter: parsed.validToDate.toISOString(),
      createdAt: now,
      lastModifiedAt: now,
    };
    this.#certificates.set(certificateId, certificate);
    await this.#writer.write();
    return { ...certificate };
  }

  describeCertificate(certificateId: string): CertificateRecord {
    return { ...this.#certificate(certificateId) };
  }

  /** The certificate, or undefined: the broker's lookup for a presented certificate. */
  findCertificate(certificateId: string): CertificateRecord | undefined {
    const certificate = this.#certificates.get(certificateId);
    return certificate && { ...certificate };
  }

  listCertificates(): CertificateRecord[] {
    return [...this.#certificates.values()].map((certificate) => ({ ...certificate }));
  }

  /**
   * Like AWS UpdateCertificate. REVOKED is final, and PENDING_ACTIVATION cannot be set by a
   * caller (AWS reserves it for its own use). The broker disconnects live sessions of a
   * certificate that leaves ACTIVE, as AWS IoT does.
   */
  async updateCertificate(
    certificateId: string,
    newStatus: SandboxCertificateStatus,
  ): Promise<void> {
    const status = valid("newStatus", SandboxCertificateStatusSchema, newStatus);
    const certificate = this.#certificate(certificateId);
    if (certificate.status === status) return;
    if (status === "PENDING_ACTIVATION") {
      throw new InvalidRequestError(
        "newStatus",
        "PENDING_ACTIVATION cannot be set by UpdateCertificate",
      );
    }
    if (certificate.status === "REVOKED") {
      throw new CertificateStateError(
        certificateId,
        "REVOKED",
        "a revoked certificate cannot change status",
      );
    }
    this.#certificates.set(certificateId, {
      ...certificate,
      status,
      lastModifiedAt: new Date().toISOString(),
    });
    this.#emit({ kind: "certificate-status", certificateId, status });
    await this.#writer.write();
  }

  /**
   * Like AWS DeleteCertificate: an ACTIVE certificate cannot be deleted (CertificateStateException),
   * nor one that still has policies or things attached (DeleteConflictException).
   */
  async deleteCertificate(certificateId: string): Promise<void> {
    const certificate = this.#certificate(certificateId);
    if (certificate.status === "ACTIVE") {
      throw new CertificateStateError(
        certificateId,
        "ACTIVE",
        "deactivate or revoke it before deleting it",
      );
    }
    const policies = this.#principalPolicies.get(certificateId);
    if (policies !== undefined && policies.size > 0) {
      throw new DeleteConflictError(
        "certificate",
        certificateId,
        `policies still attached (${[...policies].join(", ")})`,
      );
    }
    const things = this.listPrincipalThings(certificateId);
    if (things.length > 0) {
      throw new DeleteConflictError(
        "certificate",
        certificateId,
        `things still attached (${things.join(", ")})`,
      );
    }
    this.#certificates.delete(certificateId);
    this.#principalPolicies.delete(certificateId);
    await this.#writer.write();
  }

  // Policies

  async createPolicy(policyName: string, policyDocument: IotPolicyDocument): Promise<PolicyRecord> {
    const name = valid("policyName", PolicyNameSchema, policyName);
    const document = valid("policyDocument", IotPolicyDocumentSchema, policyDocument);
    if (this.#policies.has(name)) {
      throw new ResourceAlreadyExistsError("policy", name, "create a policy version to change it");
    }
    const now = new Date().toISOString();
    const policy: PolicyRecord = {
      policyName: name,
      policyArn: registryArn("policy", name),
      policyDocument: deepFreeze(document),
      defaultVersionId: "1",
      createdAt: now,
      lastModifiedAt: now,
    };
    this.#policies.set(name, policy);
    await this.#writer.write();
    return structuredClone(policy);
  }

  /** Like AWS CreatePolicyVersion with setAsDefault: the new document applies at once. */
  async createPolicyVersion(
    policyName: string,
    policyDocument: IotPolicyDocument,
  ): Promise<PolicyRecord> {
    const policy = this.#policy(policyName);
    const document = valid("policyDocument", IotPolicyDocumentSchema, policyDocument);
    const updated: PolicyRecord = {
      ...policy,
      policyDocument: deepFreeze(document),
      defaultVersionId: String(Number(policy.defaultVersionId) + 1),
      lastModifiedAt: new Date().toISOString(),
    };
    this.#policies.set(policy.policyName, updated);
    const certificateIds = [...this.#principalPolicies]
      .filter(([, names]) => names.has(policy.policyName))
      .map(([certificateId]) => certificateId);
    this.#emit({ kind: "policy-version", policyName: policy.policyName, certificateIds });
    await this.#writer.write();
    return structuredClone(updated);
  }

  getPolicy(policyName: string): PolicyRecord {
    return structuredClone(this.#policy(policyName));
  }

  /** The policy, or undefined. */
  findPolicy(policyName: string): PolicyRecord | undefined {
    const policy = this.#policies.get(policyName);
    return policy && structuredClone(policy);
  }

  listPolicies(): PolicyRecord[] {
    return [...this.#policies.values()].map((policy) => structuredClone(policy));
  }

  /** Like AWS AttachPolicy with a certificate as target; attaching twice is a no-op. */
  async attachPolicy(policyName: string, certificateId: string): Promise<void> {
    this.#policy(policyName);
    this.#certificate(certificateId);
    const names = setIn(this.#principalPolicies, certificateId);
    if (names.has(policyName)) return;
    names.add(policyName);
    this.#emit({ kind: "certificate-policies", certificateId });
    await this.#writer.write();
  }

  async detachPolicy(policyName: string, certificateId: string): Promise<void> {
    this.#policy(policyName);
    this.#certificate(certificateId);
    if (!this.#principalPolicies.get(certificateId)?.delete(policyName)) return;
    this.#emit({ kind: "certificate-policies", certificateId });
    await this.#writer.write();
  }

  /**
   * The documents of the policies attached to a certificate, for the policy evaluator. The
   * documents are the registry's own frozen objects, so the evaluator compiles each one once.
   */
  attachedPolicyDocuments(certificateId: string): NamedPolicy[] {
    return [...(this.#principalPolicies.get(certificateId) ?? [])].map((name) => ({
      name,
      document: this.#policy(name).policyDocument,
    }));
  }

  /** Policies attached to a certificate, as AWS ListAttachedPolicies with the certificate as target. */
  listAttachedPolicies(certificateId: string): PolicyRecord[] {
    this.#certificate(certificateId);
    return [...(this.#principalPolicies.get(certificateId) ?? [])].map((name) =>
      structuredClone(this.#policy(name)),
    );
  }

  // Thing principals

  /** Like AWS AttachThingPrincipal with a certificate as principal; attaching twice is a no-op. */
  async attachThingPrincipal(thingName: string, certificateId: string): Promise<void> {
    this.#thing(thingName);
    this.#certificate(certificateId);
    const principals = setIn(this.#thingPrincipals, thingName);
    if (principals.has(certificateId)) return;
    principals.add(certificateId);
    this.#emit({ kind: "certificate-things", certificateId, thingName, attached: true });
    await this.#writer.write();
  }

  async detachThingPrincipal(thingName: string, certificateId: string): Promise<void> {
    this.#thing(thingName);
    this.#certificate(certificateId);
    if (!this.#thingPrincipals.get(thingName)?.delete(certificateId)) return;
    this.#emit({ kind: "certificate-things", certificateId, thingName, attached: false });
    await this.#writer.write();
  }

  /** Certificate ids attached to a thing. */
  listThingPrincipals(thingName: string): string[] {
    this.#thing(thingName);
    return [...(this.#thingPrincipals.get(thingName) ?? [])];
  }

  /** Thing names a certificate is attached to (AWS ListPrincipalThings). */
  listPrincipalThings(certificateId: string): string[] {
    this.#certificate(certificateId);
    return [...this.#thingPrincipals]
      .filter(([, principals]) => principals.has(certificateId))
      .map(([thingName]) => thingName);
  }

  // Lifecycle

  /** Calls `listener` after each change, before it is persisted. Returns the unsubscribe function. */
  onChange(listener: (change: RegistryChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves once every change made so far is on disk. */
  flush(): Promise<void> {
    return this.#writer.flush();
  }

  #emit(change: RegistryChange): void {
    for (const listener of this.#listeners) listener(change);
  }

  #thing(thingName: string): ThingRecord {
    const thing = this.#things.get(thingName);
    if (!thing) throw new ResourceNotFoundError("thing", thingName);
    return thing;
  }

  #certificate(certificateId: string): CertificateRecord {
    const certificate = this.#certificates.get(certificateId);
    if (!certificate) throw new ResourceNotFoundError("certificate", certificateId);
    return certificate;
  }

  #thingGroup(thingGroupName: string): ThingGroupRecord {
    const group = this.#thingGroups.get(thingGroupName);
    if (!group) throw new ResourceNotFoundError("thing-group", thingGroupName);
    return group;
  }

  #policy(policyName: string): PolicyRecord {
    const policy = this.#policies.get(policyName);
    if (!policy) throw new ResourceNotFoundError("policy", policyName);
    return policy;
  }

  #snapshot(): RegistryState {
    const lists = (map: Map<string, Set<string>>) =>
      Object.fromEntries(
        [...map].filter(([, set]) => set.size > 0).map(([key, set]) => [key, [...set]]),
      );
    return {
      version: 1,
      things: [...this.#things.values()],
      certificates: [...this.#certificates.values()],
      policies: [...this.#policies.values()],
      principalPolicies: lists(this.#principalPolicies),
      thingPrincipals: lists(this.#thingPrincipals),
      thingGroups: [...this.#thingGroups.values()],
      thingGroupMembers: lists(this.#thingGroupMembers),
    };
  }

  #restore(state: RegistryState): void {
    for (const thing of state.things) this.#things.set(thing.thingName, thing);
    for (const certificate of state.certificates)
      this.#certificates.set(certificate.certificateId, certificate);
    for (const policy of state.policies) {
      this.#policies.set(policy.policyName, {
        ...policy,
        policyDocument: deepFreeze(policy.policyDocument),
      });
    }
    for (const [certificateId, names] of Object.entries(state.principalPolicies)) {
      this.#principalPolicies.set(certificateId, new Set(names));
    }
    for (const [thingName, certificateIds] of Object.entries(state.thingPrincipals)) {
      this.#thingPrincipals.set(thingName, new Set(certificateIds));
    }
    for (const group of state.thingGroups) this.#thingGroups.set(group.thingGroupName, group);
    for (const [groupName, thingNames] of Object.entries(state.thingGroupMembers)) {
      this.#thingGroupMembers.set(groupName, new Set(thingNames));
    }
  }
}

function parseState(path: string, text: string): RegistryState {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new StateFileError(path, "not valid JSON", { cause: error });
  }
  const parsed = RegistryStateSchema.safeParse(json);
  if (!parsed.success) {
    throw new StateFileError(path, `not a registry file: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

function valid<T>(field: string, schema: ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new InvalidRequestError(field, z.prettifyError(parsed.error), { cause: parsed.error });
  }
  return parsed.data;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function setIn(map: Map<string, Set<string>>, key: string): Set<string> {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  return set;
}

function sameAttributes(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
