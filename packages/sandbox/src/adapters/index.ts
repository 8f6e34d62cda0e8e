export { FileDeviceLedger } from "./file-device-ledger.ts";
export { LocalAllowListStore } from "./local-allow-list-store.ts";
export { LocalCaRevoker } from "./local-ca-revoker.ts";
export { LocalDeviceRegistry } from "./local-device-registry.ts";
