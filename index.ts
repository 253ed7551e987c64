import * as pulumi from "@pulumi/pulumi";
import { LvsDrCluster, parseLabConfig, rawConfigFrom } from "./components";

// Validate the whole stack config before any resource exists: bad input creates nothing.
const spec = parseLabConfig(rawConfigFrom(pulumi.runtime.allConfig()));
const lab = new LvsDrCluster("lab", { spec });

export const vipUrl = lab.vipUrl;
export const hosts = lab.hosts;
export const mode = spec.service.mode;
export const ipvsTable = lab.ipvsTable;
export const verification = lab.verification;
