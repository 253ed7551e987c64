import { writeFileSync } from "fs";
import { join } from "path";
import { HostSpec, LabSpec, allHosts } from "../../components/config";
import { asRoot } from "../../components/remote";
import { HostScript, renderCloudInitWait, renderSshWait } from "../../components/render";
import { Ran, Workspace, ok, sandbox } from "./harness";

/**
 * Runs rendered scripts on booted lab guests over SSH from inside the sandbox, exactly as the
 * SSH-command wrapper sends them (`asRoot`): the lab key, the pinned host keys, no TOFU.
 */
export class Guests {
    private readonly key: string;
    private readonly knownHosts: string;

    constructor(private readonly spec: LabSpec, ws: Workspace, outputs: { clientPrivateKey: string; hostKeys: Record<string, string> }) {
        this.key = join(ws.dir, "client-key");
        writeFileSync(this.key, outputs.clientPrivateKey, { mode: 0o600 });
        this.knownHosts = join(ws.dir, "known_hosts");
        const hosts = allHosts(spec);
        writeFileSync(this.knownHosts, hosts.map((h) => `${h.ip} ${outputs.hostKeys[h.name]}`).join("\n") + "\n");
    }

    /** Runs a script as root on a guest; returns what it printed. */
    sh(host: HostSpec, script: string, timeoutMs = 10 * 60_000): Promise<Ran> {
        return sandbox.exec("ssh", [
            "-i", this.key,
            "-o", `UserKnownHostsFile=${this.knownHosts}`,
            "-o", "StrictHostKeyChecking=yes",
            "-o", "BatchMode=yes",
            "-o", "ConnectTimeout=10",
            `${this.spec.sshUser}@${host.ip}`,
            asRoot(script),
        ], timeoutMs);
    }

    /** Runs a step's create script and fails with its output when it does not succeed. */
    async create(host: HostSpec, step: HostScript): Promise<string> {
        return ok(await this.sh(host, step.create), `${host.name}: ${step.create.split("\n")[1]}`).stdout;
    }

    /** Runs a step's delete script. */
    async delete(host: HostSpec, step: HostScript): Promise<string> {
        return ok(await this.sh(host, step.delete), `${host.name}: ${step.delete.split("\n")[1]}`).stdout;
    }

    /** Waits (bounded) for SSH, then for cloud-init, on every given host. */
    async ready(hosts: HostSpec[], consoleLogs: Record<string, string>): Promise<void> {
        await Promise.all(
            hosts.map(async (h) => {
                ok(await sandbox.exec("bash", ["-c", renderSshWait(h.ip, consoleLogs[h.name])], 11 * 60_000), `SSH on ${h.name}`);
                await this.create(h, renderCloudInitWait(h));
            }),
        );
    }
}
