// An engine-test program: only the lab's shared libvirt pieces (network, pool, base volume and
// client key), built from a lab config exactly as the main program builds them, and refused, as
// there, when another lab's network in the sandbox overlaps it.
import * as pulumi from "@pulumi/pulumi";
import { parseLabConfig, rawConfigFrom } from "../../../components/config";
import { labNetworks } from "../../../components/infra";
import { createLabContext } from "../../../components/lab";

const lab = createLabContext("lab", parseLabConfig(rawConfigFrom(pulumi.runtime.allConfig()), { networks: labNetworks }));

export const network = lab.fabric.network.name;
export const pool = lab.fabric.pool.name;
export const baseVolume = lab.fabric.baseVolume.name;
