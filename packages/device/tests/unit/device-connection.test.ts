import { describe, expect, it } from "vitest";
import { assertTransition, type ConnectionState } from "../../src/connection/connection-state.ts";
import {
  createDeviceConnection,
  type DeviceConnection,
  type SwitchOutcome,
} from "../../src/connection/device-connection.ts";
import type { OpenSession } from "../../src/connection/session.ts";
import {
  InvalidStateTransitionError,
  NotConnectedError,
  TlsMaterialError,
} from "../../src/errors.ts";
import { createCaptureLogger } from "../support/capture-logger.ts";
import { createFakeSessions } from "../support/fake-sessions.ts";
import { createFakeTime, flushPromises } from "../support/fake-time.ts";
import { TEST_TARGET } from "../support/test-connection.ts";

const NOT_AUTHORIZED = {
  reason: "Connection refused: Not authorized",
  returnCode: 5,
  certificateRejected: true,
};

function setUp(
  options: {
    random?: () => number;
    openSession?: OpenSession;
    refusalLimit?: number;
    minConnectIntervalMs?: number;
    connectJitterMs?: number;
    switchTimeoutMs?: number;
    certificateExpired?: () => boolean;
  } = {},
) {
  const time = createFakeTime();
  const sessions = createFakeSessions();
  const { logger, lines } = createCaptureLogger();
  const connection = createDeviceConnection({
    target: TEST_TARGET,
    reconnect: { initialDelayMs: 1_000, maxDelayMs: 8_000, stableAfterMs: 30_000 },
    openSession: options.openSession ?? sessions.open,
    logger,
    clock: time.clock,
    timers: time.timers,
    random: options.random ?? (() => 0.5),
    refusalLimit: options.refusalLimit,
    // The backoff and switch tests below; the CONNECT spacing has its own describe block.
    minConnectIntervalMs: options.minConnectIntervalMs ?? 0,
    connectJitterMs: options.connectJitterMs ?? 0,
    switchTimeoutMs: options.switchTimeoutMs,
    certificateExpired: options.certificateExpired,
  });
  const states: ConnectionState[] = [];
  connection.events.on("state", ({ state }) => states.push(state));
  return { time, sessions, connection, states, lines };
}

describe("device connection", () => {
  it("connects with the thing name as client id and reports connected", async () => {
    const { sessions, connection, states } = setUp();
    connection.start();
    await flushPromises();
    expect(sessions.latest().target.clientId).toBe("sim-0001");
    sessions.latest().accept();
    expect(connection.state).toBe("connected");
    expect(states).toEqual(["connecting", "connected"]);
  });

  it("retries a refused CONNACK after a jittered delay and logs the reason", async () => {
    const { time, sessions, connection, states, lines } = setUp({ random: () => 0.25 });
    connection.start();
    await flushPromises();
    sessions.latest().end(NOT_AUTHORIZED);
    expect(connection.state).toBe("backoff");
    expect(time.pendingDelays()).toEqual([250]); // 0.25 * 1000

    const refused = lines().find((line) => line.msg === "connection.refused");
    expect(refused).toMatchObject({ reason: "Connection refused: Not authorized", returnCode: 5 });
    expect(lines().find((line) => line.msg === "connection.backoff")).toMatchObject({
      attempt: 1,
      delayMs: 250,
      reason: "Connection refused: Not authorized",
    });

    await time.advance(250);
    expect(sessions.sessions).toHaveLength(2);
    expect(states).toEqual(["connecting", "backoff", "connecting"]);
  });

  it("widens the retry window after each consecutive failure", async () => {
    const { time, sessions, connection } = setUp({ random: () => 0.5 });
    connection.start();
    await flushPromises();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      sessions.latest().end({ reason: "connect ECONNREFUSED 127.0.0.1:8883" });
      const [delay] = time.pendingDelays();
      delays.push(delay ?? -1);
      await time.advance(delay ?? 0);
    }
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 4_000]);
  });

  it("resets the backoff once a connection has stayed up", async () => {
    const { time, sessions, connection } = setUp({ random: () => 0.5 });
    connection.start();
    await flushPromises();
    for (let i = 0; i < 3; i++) {
      sessions.latest().end({ reason: "connect ECONNREFUSED" });
      await time.advance(time.pendingDelays()[0] ?? 0);
    }
    sessions.latest().accept();
    await time.advance(30_000);
    sessions.latest().end({ reason: "read ECONNRESET" });
    expect(time.pendingDelays()).toEqual([500]);
  });

  it("keeps the backoff growing when a connection drops before it is stable", async () => {
    const { time, sessions, connection } = setUp({ random: () => 0.5 });
    connection.start();
    await flushPromises();
    sessions.latest().end({ reason: "connect ECONNREFUSED" });
    await time.advance(500);
    sessions.latest().accept();
    await time.advance(1_000);
    sessions.latest().end({ reason: "read ECONNRESET" });
    expect(time.pendingDelays()).toEqual([1_000]);
  });

  it("emits disconnected and counts reconnects when an accepted connection is lost", async () => {
    const { time, sessions, connection } = setUp({ random: () => 0 });
    const disconnects: string[] = [];
    const connects: number[] = [];
    connection.events.on("disconnected", ({ reason }) => disconnects.push(reason));
    connection.events.on("connected", ({ reconnects }) => connects.push(reconnects));
    connection.start();
    await flushPromises();
    sessions.latest().accept();
    sessions.latest().end({ reason: "read ECONNRESET" });
    await time.advance(0);
    sessions.latest().accept();
    expect(disconnects).toEqual(["read ECONNRESET"]);
    expect(connects).toEqual([0, 1]);
    expect(connection.reconnects).toBe(1);
  });

  it("treats unreadable TLS files as a failed attempt and retries", async () => {
    const { time, connection, lines } = setUp({
      openSession: async () => {
        throw new TlsMaterialError({ field: "tls.keyFile", file: "/key.pem" }, {});
      },
    });
    connection.start();
    await flushPromises();
    expect(connection.state).toBe("backoff");
    expect(lines().find((line) => line.msg === "connection.failed")).toMatchObject({
      reason: "cannot read tls.keyFile /key.pem",
    });
    expect(time.pendingDelays()).toHaveLength(1);
  });

  it("stops retrying after the refusal limit of not-authorized refusals in a row, until started again", async () => {
    const { time, sessions, connection, states } = setUp({ refusalLimit: 3 });
    const refused: unknown[] = [];
    connection.events.on("refusedRepeatedly", (refusal) => refused.push(refusal));
    connection.start();
    await flushPromises();
    for (let i = 0; i < 3; i++) {
      sessions.latest().end(NOT_AUTHORIZED);
      await time.advance(time.pendingDelays()[0] ?? 0);
    }
    expect(refused).toEqual([{ reason: NOT_AUTHORIZED.reason, returnCode: 5, refusals: 3 }]);
    expect(connection.state).toBe("idle");
    expect(states.slice(-2)).toEqual(["connecting", "idle"]);
    await time.advance(600_000);
    expect(sessions.sessions).toHaveLength(3);

    connection.start();
    await flushPromises();
    sessions.latest().end(NOT_AUTHORIZED);
    expect(time.pendingDelays()).toEqual([500]); // the backoff starts over too
  });

  it("stops at the first refusal of its certificate as expired, which no retry would change", async () => {
    const { connection, sessions } = setUp({ refusalLimit: 3 });
    const refused: unknown[] = [];
    connection.events.on("refusedRepeatedly", (refusal) => refused.push(refusal));
    connection.start();
    await flushPromises();
    const reason = "ssl/tls alert certificate expired";
    sessions.latest().end({ reason, certificateRejected: true, certificateExpired: true });
    expect(refused).toEqual([{ reason, returnCode: undefined, refusals: 1, expired: true }]);
    expect(connection.state).toBe("idle");
  });

  it("stops at a failed attempt while its own clock says the certificate has expired", async () => {
    const { connection, sessions } = setUp({ refusalLimit: 3, certificateExpired: () => true });
    const refused: unknown[] = [];
    connection.events.on("refusedRepeatedly", (refusal) => refused.push(refusal));
    connection.start();
    await flushPromises();
    // How Node's TLS server drops a client certificate it refuses: no alert, a closed socket.
    const reason =
      "Client network socket disconnected before secure TLS connection was established";
    sessions.latest().end({ reason });
    expect(refused).toEqual([{ reason, returnCode: undefined, refusals: 0, expired: true }]);
    expect(connection.state).toBe("idle");
  });

  it("counts only not-authorized refusals toward the limit, and a connection resets the count", async () => {
    const { time, sessions, connection } = setUp({ refusalLimit: 3 });
    const refused: unknown[] = [];
    connection.events.on("refusedRepeatedly", (refusal) => refused.push(refusal));
    connection.start();
    await flushPromises();
    const outcomes = [
      NOT_AUTHORIZED,
      NOT_AUTHORIZED,
      { reason: "connect ECONNREFUSED 127.0.0.1:8883" },
      { reason: "Client network socket disconnected before secure TLS connection was established" },
      { reason: "connack timeout" },
      { reason: "Connection refused: Server unavailable", returnCode: 3 },
      "accept",
      NOT_AUTHORIZED,
      NOT_AUTHORIZED,
      "accept",
    ] as const;
    for (const outcome of outcomes) {
      if (outcome === "accept") {
        sessions.latest().accept();
        sessions.latest().end({ reason: "read ECONNRESET" });
      } else {
        sessions.latest().end(outcome);
      }
      await time.advance(time.pendingDelays()[0] ?? 0);
    }
    expect(refused).toEqual([]);
    expect(connection.state).toBe("connecting");
  });

  it("never stops retrying refusals without a refusal limit", async () => {
    const { time, sessions, connection } = setUp();
    connection.events.on("refusedRepeatedly", () => expect.unreachable());
    connection.start();
    await flushPromises();
    for (let i = 0; i < 10; i++) {
      sessions.latest().end(NOT_AUTHORIZED);
      await time.advance(time.pendingDelays()[0] ?? 0);
    }
    expect(sessions.sessions).toHaveLength(11);
    expect(connection.state).toBe("connecting");
  });

  it("refuses to publish while not connected", async () => {
    const { connection } = setUp();
    connection.start();
    await flushPromises();
    await expect(connection.publish("dt/sim-0001/telemetry", "{}", 1)).rejects.toBeInstanceOf(
      NotConnectedError,
    );
  });

  it("closes the session on stop and never reconnects afterwards", async () => {
    const { time, sessions, connection, states } = setUp();
    connection.start();
    await flushPromises();
    sessions.latest().accept();
    await connection.stop();
    expect(sessions.latest().closed).toBe(true);
    expect(states.slice(-2)).toEqual(["stopping", "stopped"]);
    await time.advance(120_000);
    expect(sessions.sessions).toHaveLength(1);
  });

  it("cancels a pending retry on stop", async () => {
    const { time, sessions, connection } = setUp();
    connection.start();
    await flushPromises();
    sessions.latest().end({ reason: "connect ECONNREFUSED" });
    await connection.stop();
    expect(time.pendingDelays()).toEqual([]);
    expect(connection.state).toBe("stopped");
  });

  it("closes a session that connects after stop was requested", async () => {
    const { sessions, connection } = setUp();
    connection.start();
    const stopped = connection.stop();
    await stopped;
    sessions.latest().accept();
    expect(sessions.latest().closed).toBe(true);
    expect(connection.state).toBe("stopped");
  });
});

describe("connection state machine", () => {
  it("rejects a transition the lifecycle does not allow", () => {
    expect(() => assertTransition("stopped", "connecting")).toThrow(InvalidStateTransitionError);
    expect(() => assertTransition("backoff", "connected")).toThrow(InvalidStateTransitionError);
    expect(() => assertTransition("connected", "backoff")).not.toThrow();
  });

  describe("switching credentials", () => {
    const NEXT = { certFile: "/cert.next.pem", keyFile: "/key.next.pem" };

    it("reconnects at once with the new files and reports the broker accepted them", async () => {
      const { sessions, connection, states } = setUp();
      connection.start();
      await flushPromises();
      sessions.latest().accept();

      const switched = connection.switchCredentials(NEXT);
      await flushPromises();
      expect(sessions.sessions[0]?.closed).toBe(true);
      expect(sessions.latest().target.tls).toEqual({ caFile: "/ca.pem", ...NEXT });
      sessions.latest().accept();
      expect(await switched).toEqual({ accepted: true });
      expect(connection.credentials).toEqual(NEXT);
      expect(states).toEqual(["connecting", "connected", "backoff", "connecting", "connected"]);
    });

    it("reports a refused certificate and keeps retrying with the files it was given", async () => {
      const { sessions, connection, time } = setUp();
      const refusals: string[] = [];
      connection.events.on("certificateRefused", (end) => refusals.push(end.files.certFile));
      connection.start();
      await flushPromises();
      sessions.latest().accept();

      const switched = connection.switchCredentials(NEXT);
      await flushPromises();
      sessions.latest().end(NOT_AUTHORIZED);
      expect(await switched).toEqual({ accepted: false, end: NOT_AUTHORIZED });
      expect(refusals).toEqual([NEXT.certFile]);
      await time.advance(8_000);
      expect(sessions.latest().target.tls.certFile).toBe(NEXT.certFile);
    });

    it("delivers messages of the current connection only", async () => {
      const { sessions, connection } = setUp();
      const topics: string[] = [];
      connection.events.on("message", ({ topic }) => topics.push(topic));
      connection.start();
      await flushPromises();
      const first = sessions.latest();
      first.accept();
      await connection.subscribe(["a/b"]);
      expect(first.subscribed).toEqual(["a/b"]);
      first.deliver("a/b", "one");

      void connection.switchCredentials(NEXT);
      await flushPromises();
      first.deliver("a/b", "stale");
      expect(topics).toEqual(["a/b"]);
    });

    it("refuses to subscribe while not connected", async () => {
      const { connection } = setUp();
      await expect(connection.subscribe(["a/b"])).rejects.toThrow(NotConnectedError);
    });
  });
});

describe("CONNECT spacing and the credential switch deadline", () => {
  const CURRENT = { certFile: "/cert.pem", keyFile: "/key.pem" };
  const NEXT = { certFile: "/cert.next.pem", keyFile: "/key.next.pem" };

  /** Fake-time instants at which the connection opened a session (sent a CONNECT). */
  function connectTimes(time: ReturnType<typeof createFakeTime>, connection: DeviceConnection) {
    const times: number[] = [];
    connection.events.on("state", ({ state }) => {
      if (state === "connecting") times.push(time.clock.now());
    });
    return times;
  }

  it("leaves at least a second, with jitter, between CONNECTs whatever the backoff says", async () => {
    const jitters = [0.1, 0.9, 0.4, 0.7];
    let draw = 0;
    const { time, sessions, connection } = setUp({
      // Backoff and spacing draw in turn; zero backoff leaves only the spacing.
      random: () => (draw++ % 2 === 0 ? 0 : (jitters[(draw >> 1) - 1] ?? 0.5)),
      minConnectIntervalMs: 1_000,
      connectJitterMs: 1_000,
    });
    const times = connectTimes(time, connection);
    connection.start();
    await flushPromises();
    for (let i = 0; i < 4; i++) {
      sessions.latest().end(NOT_AUTHORIZED);
      while (connection.state !== "connecting") await time.advance(100);
    }
    const gaps = times.slice(1).map((at, i) => at - (times[i] as number));
    expect(gaps).toEqual([1_100, 1_900, 1_400, 1_700]);
  });

  it("falls back to the old certificate no sooner than a second after the refused switch", async () => {
    const { time, sessions, connection } = setUp({
      minConnectIntervalMs: 1_000,
      connectJitterMs: 1_000,
      random: () => 0.25,
    });
    const times = connectTimes(time, connection);
    connection.start();
    await flushPromises();
    sessions.latest().accept();
    await time.advance(10_000);

    const switched = connection.switchCredentials(NEXT);
    await flushPromises();
    sessions.latest().end(NOT_AUTHORIZED);
    expect(await switched).toMatchObject({ accepted: false });
    // The rotation goes back to the old pair at once; the CONNECT waits for the spacing.
    const fallBack = connection.switchCredentials(CURRENT);
    await flushPromises();
    expect(sessions.latest().target.tls.certFile).toBe(NEXT.certFile);
    await time.advance(5_000);
    expect(sessions.latest().target.tls.certFile).toBe(CURRENT.certFile);
    sessions.latest().accept();
    expect(await fallBack).toEqual({ accepted: true });
    const [, switchAt, fallBackAt] = times;
    expect((fallBackAt as number) - (switchAt as number)).toBe(1_250);
  });

  it("takes one close before CONNACK as inconclusive: the switch settles on the second in a row", async () => {
    const { time, sessions, connection } = setUp({ minConnectIntervalMs: 1_000 });
    const CLOSED = {
      reason: "closed by the broker before CONNACK",
      certificateRejected: true,
      closedBeforeConnack: true,
    };
    connection.start();
    await flushPromises();
    sessions.latest().accept();

    let outcome: SwitchOutcome | undefined;
    void connection.switchCredentials(NEXT).then((result) => {
      outcome = result;
    });
    // A second after the first CONNECT: the switch's own CONNECT.
    await time.advance(1_000);
    expect(sessions.latest().target.tls.certFile).toBe(NEXT.certFile);
    sessions.latest().end(CLOSED);
    await time.advance(2_000);
    expect(outcome).toBeUndefined();
    expect(sessions.latest().target.tls.certFile).toBe(NEXT.certFile);
    sessions.latest().end(CLOSED);
    await flushPromises();
    expect(outcome).toEqual({ accepted: false, end: CLOSED });
  });

  it("ends a credential switch that gets neither CONNACK nor refusal within its deadline", async () => {
    const { time, sessions, connection } = setUp({ switchTimeoutMs: 60_000 });
    connection.start();
    await flushPromises();
    sessions.latest().accept();

    const switched = connection.switchCredentials(NEXT);
    let outcome: SwitchOutcome | undefined;
    void switched.then((result) => {
      outcome = result;
    });
    // Every attempt with the new files fails on the network: retried, never refused.
    for (let t = 0; t < 59_000; t += 1_000) {
      if (connection.state === "connecting") sessions.latest().end({ reason: "ECONNRESET" });
      await time.advance(1_000);
    }
    expect(outcome).toBeUndefined();
    await time.advance(1_000);
    expect(outcome).toMatchObject({ accepted: false, timedOut: true });
    expect(outcome?.accepted === false && outcome.end.reason).toMatch(/within 60000 ms/);
  });
});
