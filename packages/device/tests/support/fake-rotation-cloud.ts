import {
  jobsTopics,
  ROTATE_CERTIFICATE_JOB_DOCUMENT,
  type RotationErrorCode,
  rotationTopics,
} from "@fleet/core/contracts";
import type { FakeSession } from "./fake-sessions.ts";
import type { TestPki } from "./test-pki.ts";

export const ROTATION_ID = "0b7c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3";
/** The rotation's job: its id is the rotation id. */
export const JOB_ID = ROTATION_ID;

/** How the fake backend answers one rotation request. */
export type RotationAnswer =
  | "accept"
  | "silent"
  | { reject: RotationErrorCode }
  | { certificatePem: string };

export interface JobUpdate {
  jobId: string;
  status: string;
  statusDetails: Record<string, string>;
}

/**
 * AWS IoT Jobs and the rotation backend on fake sessions: start-next hands out one
 * `rotate-certificate` job (until it reaches a terminal status), updates are accepted and
 * recorded, CSRs are signed by the test CA, commits are accepted. Every request is recorded
 * with the certificate file of the session it came over.
 */
export function createFakeRotationCloud(pki: TestPki, thingName: string) {
  const jobs = jobsTopics(thingName);
  const rotation = rotationTopics(thingName);
  const answers = { csr: [] as RotationAnswer[], commit: [] as RotationAnswer[] };
  const requests = {
    csrs: [] as { certFile: string; csrPem: string }[],
    commits: [] as { certFile: string; rotationId: string }[],
  };
  const updates: JobUpdate[] = [];
  let jobDocument: Record<string, unknown> = { ...ROTATE_CERTIFICATE_JOB_DOCUMENT };
  let status = "QUEUED";
  let secondsBeforeTimedOut: number | undefined;

  const execution = () => ({
    jobId: JOB_ID,
    thingName,
    jobDocument,
    status,
    queuedAt: 1_795_000_000,
    lastUpdatedAt: 1_795_000_000,
    versionNumber: updates.length + 1,
    executionNumber: 1,
    ...(secondsBeforeTimedOut !== undefined && {
      approximateSecondsBeforeTimedOut: secondsBeforeTimedOut,
    }),
  });

  const reject = (session: FakeSession, topic: string, rotationId: unknown, code: string) =>
    session.deliver(topic, { rotationId, errorCode: code, errorMessage: `refused: ${code}` });

  const onPublish = (session: FakeSession, topic: string, payload: string) => {
    const body = JSON.parse(payload) as Record<string, unknown>;
    const certFile = session.target.tls.certFile;
    if (topic === jobs.startNext) {
      const pending = status === "QUEUED" || status === "IN_PROGRESS";
      if (pending) status = "IN_PROGRESS";
      session.deliver(jobs.startNextAccepted, {
        ...(pending && { execution: execution() }),
        timestamp: 1_795_000_001,
      });
    } else if (topic === jobs.update(JOB_ID)) {
      status = body.status as string;
      updates.push({
        jobId: JOB_ID,
        status,
        statusDetails: body.statusDetails as Record<string, string>,
      });
      session.deliver(jobs.updateAccepted(JOB_ID), {
        clientToken: body.clientToken,
        timestamp: 1_795_000_002,
      });
    } else if (topic === rotation.csr) {
      const csrPem = body.certificateSigningRequest as string;
      requests.csrs.push({ certFile, csrPem });
      const answer = answers.csr.shift() ?? "accept";
      if (answer === "silent") return;
      if (typeof answer === "object" && "reject" in answer) {
        reject(session, rotation.csrRejected, body.rotationId, answer.reject);
        return;
      }
      const issue = async () =>
        typeof answer === "object" ? answer.certificatePem : await pki.signCsr(csrPem);
      void issue().then((certificatePem) =>
        session.deliver(rotation.csrAccepted, { rotationId: body.rotationId, certificatePem }),
      );
    } else if (topic === rotation.commit) {
      requests.commits.push({ certFile, rotationId: body.rotationId as string });
      const answer = answers.commit.shift() ?? "accept";
      if (answer === "silent") return;
      if (typeof answer === "object" && "reject" in answer) {
        reject(session, rotation.commitRejected, body.rotationId, answer.reject);
        return;
      }
      session.deliver(rotation.commitAccepted, { rotationId: body.rotationId });
    }
  };

  return {
    onPublish,
    answers,
    requests,
    updates,
    /** The job's last status, as the Jobs service holds it. */
    status: () => status,
    /** The execution's in-progress timer, as AWS reports it with the execution. */
    setSecondsBeforeTimedOut(seconds: number) {
      secondsBeforeTimedOut = seconds;
    },
    setJobDocument(document: Record<string, unknown>) {
      jobDocument = document;
    },
  };
}
