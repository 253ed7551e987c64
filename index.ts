import { existsSync } from "fs";
import { LvsDrCluster, labSpecFromStack } from "./components";

// Validate the whole stack config (and that a local image exists) before any resource exists:
// bad input creates nothing. Values set with `--secret` stay secret in every step that holds them.
const spec = labSpecFromStack({ exists: existsSync });
const lab = new LvsDrCluster("lab", { spec });

export const vipUrl = lab.vipUrl;
export const hosts = lab.hosts;
export const mode = spec.service.mode;
export const ipvsTable = lab.ipvsTable;
export const verification = lab.verification;
// How `npm run lab -- ...` reaches the lab: machines, SSH user, VIP and directors (`access`), the
// lab's key and the pinned host keys.
export const access = lab.access;
export const clientPrivateKey = lab.clientPrivateKey;
export const hostKeys = lab.hostKeys;
