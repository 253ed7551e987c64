// An engine-test program: the first director's steps as the lab plans them from the stack's
// config, through the lab's one remote-step wrapper, aimed at a test sshd instead of a VM (its
// `command=` in authorized_keys records each command and runs none of it). The config is read
// exactly as index.ts reads it (labSpecFromStack), so values set with `--secret` are secrets.
import * as pulumi from "@pulumi/pulumi";
import { labSpecFromStack } from "../../../components/lab";
import { planLab } from "../../../components/plan";
import { remoteStep } from "../../../components/remote";

const test = new pulumi.Config("test");
const spec = labSpecFromStack();
const director = planLab(spec, { verifyRequests: 1 }).find((p) => p.host.name === spec.director.name)!;
const connection = { host: "127.0.0.1", user: "root", privateKey: test.requireSecret("privateKey"), hostKey: test.require("hostKey") };

let previous: pulumi.Resource | undefined;
export const stdout: Record<string, pulumi.Output<string>> = {};
for (const step of director.steps) {
    const name = `${director.host.name}-${step.name}`;
    const made = remoteStep(name, { connection, machineId: "test-machine", script: step.script, secrets: spec.secrets }, { dependsOn: previous ? [previous] : [] });
    stdout[name] = made.stdout;
    previous = made;
}
