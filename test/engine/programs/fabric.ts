// An engine-test program: only the lab's libvirt fabric (network, pool, base volume), built
// from a lab config exactly as the main program would, with the real libvirt provider.
import * as libvirt from "@pulumi/libvirt";
import * as pulumi from "@pulumi/pulumi";
import { parseLabConfig, rawConfigFrom } from "../../../components/config";
import { createLabFabric } from "../../../components/infra";
import { labFabricArgs } from "../../../components/lab";

const spec = parseLabConfig(rawConfigFrom(pulumi.runtime.allConfig()));
const provider = new libvirt.Provider("libvirt", { uri: spec.libvirt.uri });
const fabric = createLabFabric("lab", labFabricArgs(spec), { provider });

export const network = fabric.network.name;
export const pool = fabric.pool.name;
export const baseVolume = fabric.baseVolume.name;
