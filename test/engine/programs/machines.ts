// An engine-test program: every machine of a lab booted exactly as the components boot them
// (host keys, cloud-init from the renderers, libvirt domains), without the remote steps, so a
// test can drive the rendered scripts over SSH itself.
import * as pulumi from "@pulumi/pulumi";
import { allHosts, parseLabConfig, rawConfigFrom } from "../../../components/config";
import { bootMachine, createLabContext } from "../../../components/lab";

const spec = parseLabConfig(rawConfigFrom(pulumi.runtime.allConfig()));
const lab = createLabContext("lab", spec);
const machines = allHosts(spec).map((host) => ({ host, machine: bootMachine(host.name, lab, host) }));

// The main program's connection contract (tools/lab.sh reads these): addresses, the lab's key and
// each machine's pinned host key, by machine name.
export const hosts = Object.fromEntries(machines.map(({ host }) => [host.name, host.ip]));
export const clientPrivateKey = lab.clientKey.privateKey;
export const hostKeys = pulumi.all(Object.fromEntries(machines.map(({ host, machine }) => [host.name, machine.hostKey.publicKey])));
export const consoleLogs = Object.fromEntries(machines.map(({ host, machine }) => [host.name, machine.consoleLog]));
