import type { AllowListUploadReport } from "@fleet/core/contracts";
import { type ConsoleApi, failure } from "./console-api.ts";
import { el, fill } from "./dom.ts";
import type { LiveView } from "./live.ts";

/**
 * The allow-list: the current serials, and an upload in two steps. Choosing a file sends it as
 * a dry run (the API parses, validates and diffs it, storing nothing) and shows the diff; only
 * "Apply" uploads it, and the sandbox reconciles at once.
 */
export function allowListView(root: HTMLElement, api: ConsoleApi): LiveView {
  const current = el("div", { class: "allow-list-current" });
  const preview = el("div", { class: "allow-list-preview", "aria-live": "polite" });
  const input = el("input", { type: "file", accept: ".csv,.txt,.json,text/*,application/json" });
  input.addEventListener("change", async () => {
    const file = input.files?.[0];
    if (file === undefined) return;
    const body = new Uint8Array(await file.arrayBuffer());
    input.value = ""; // the same file can be chosen again
    fill(preview, el("p", { class: "note" }, `checking ${file.name}…`));
    try {
      const report = await api.uploadAllowList({ body, allowEmpty: false, dryRun: true });
      showDiff(file.name, body, report);
    } catch (error) {
      fill(preview, el("p", { class: "bad", "data-refused": "" }, failure(error)));
    }
  });

  const showDiff = (name: string, body: Uint8Array, report: AllowListUploadReport) => {
    const apply = async () => {
      fill(preview, el("p", { class: "note" }, `uploading ${name}…`));
      try {
        const stored = await api.uploadAllowList({ body, allowEmpty: false, dryRun: false });
        const removed = stored.reconcile?.removed.map((device) => device.serial) ?? [];
        fill(
          preview,
          el(
            "p",
            { "data-applied": stored.version ?? "" },
            `applied ${name}: version ${stored.version}`,
            removed.length > 0 ? `; revoked ${removed.join(", ")}` : "",
          ),
        );
      } catch (error) {
        fill(preview, el("p", { class: "bad" }, failure(error)));
      }
    };
    fill(
      preview,
      el(
        "div",
        { class: "diff", "data-diff": "" },
        el("h3", {}, `${name}: ${report.serials} serials (${report.format})`),
        el(
          "p",
          {},
          el("span", { class: "added" }, `+${report.diff.added} added`),
          ", ",
          el("span", { class: "removed" }, `−${report.diff.removed} removed`),
          `, ${report.diff.unchanged} unchanged`,
        ),
        sample("added", "+", report.diff.addedSample),
        sample("removed", "−", report.diff.removedSample),
        ...report.duplicates.map((duplicate) =>
          el(
            "p",
            { class: "note" },
            `${duplicate.serial} is listed on lines ${duplicate.lines.join(", ")}`,
          ),
        ),
        el("button", { type: "button", onclick: apply }, "Apply"),
        " ",
        el("button", { type: "button", onclick: () => fill(preview) }, "Discard"),
      ),
    );
  };

  root.append(
    current,
    el("label", {}, "Upload a list (shown before it is applied): ", input),
    preview,
  );
  return {
    async refresh() {
      const list = await api.readAllowList();
      fill(
        current,
        el(
          "p",
          { "data-count": list.count },
          `${list.count} serials`,
          list.version ? `, version ${list.version}` : ", never uploaded",
        ),
        el("ul", { class: "serials" }, ...list.serials.map((serial) => el("li", {}, serial))),
      );
    },
  };
}

function sample(kind: "added" | "removed", sign: string, serials: readonly string[]) {
  if (serials.length === 0) return null;
  return el(
    "ul",
    { class: `sample ${kind}` },
    ...serials.map((serial) => el("li", { [`data-${kind}`]: serial }, `${sign} ${serial}`)),
  );
}
