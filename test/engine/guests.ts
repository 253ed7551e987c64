import { writeFileSync } from "fs";
import { join } from "path";
import { HostSpec, LabSpec, allHosts } from "../../components/config";
import { asRoot } from "../../components/remote";
import { renderSshWait } from "../../components/render";
import { Ran, Workspace, ok, sandbox } from "./harness";

/**
 * Looks at a lab's guests over SSH from inside the sandbox, as root through `asRoot` like the
 * SSH-command wrapper: the lab key, the pinned host keys, no trust on first use. Tests observe
 * and inject faults with it; only the program configures guests.
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

    /** Runs a command as root on a guest; returns what it printed. */
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

    /** Waits (bounded) for SSH, then for cloud-init, on every given host. */
    async ready(hosts: HostSpec[], consoleLogs: Record<string, string>): Promise<void> {
        await Promise.all(
            hosts.map(async (h) => {
                ok(await sandbox.exec("bash", ["-c", renderSshWait(h.ip, consoleLogs[h.name])], 11 * 60_000), `SSH on ${h.name}`);
                ok(await this.sh(h, "cloud-init status --wait >/dev/null"), `cloud-init on ${h.name}`);
            }),
        );
    }
}
