import { HostSpec, LabSpec } from "../config";
import { HostScript, nothingToUndo, script } from "./shell";

/** SSH material a guest boots with; all of it comes from the stack's state, none from the guest. */
export interface GuestKeys {
    /** The lab's client public key, authorised for `sshUser`. */
    authorizedKey: string;
    /** The guest's ed25519 host key, OpenSSH private format (secret). */
    hostPrivateKey: string;
    /** Its public half, which the SSH wrapper pins. */
    hostPublicKey: string;
}

/**
 * cloud-init user-data. JSON is valid YAML, so the document is rendered with JSON.stringify and
 * never needs YAML quoting. Everything the lab needs (hostname, /etc/hosts, the user, the SSH
 * keys) is done by the modules of cloud-init's first two stages, before sshd starts. The lab
 * waits for cloud-init to finish before its steps run, so the later stages' modules are cut to
 * what it uses: none in the config stage (grub-dpkg, apt-configure, locale and the rest took
 * 18-26 s of an emulated guest's boot) and only the final message, which marks the end of
 * cloud-init in the console log. No `ssh_pwauth` (changing it restarts sshd just after SSH first
 * answers).
 */
export function renderUserData(spec: LabSpec, host: HostSpec, keys: GuestKeys): string {
    const doc = {
        hostname: host.name,
        manage_etc_hosts: true,
        cloud_config_modules: [],
        cloud_final_modules: ["final-message"],
        users: [
            {
                name: spec.sshUser,
                sudo: "ALL=(ALL) NOPASSWD:ALL",
                shell: "/bin/bash",
                lock_passwd: true,
                ssh_authorized_keys: [keys.authorizedKey],
            },
        ],
        // Replace any key baked into the image with the injected one, so the pinned key is the only key.
        ssh_deletekeys: true,
        ssh_genkeytypes: ["ed25519"],
        ssh_keys: { ed25519_private: keys.hostPrivateKey, ed25519_public: keys.hostPublicKey },
    };
    return `#cloud-config\n${JSON.stringify(doc, null, 2)}\n`;
}

/**
 * The default route a machine boots with. A NAT real server's route through the director (or
 * with HA the floating gateway) is the LVS step's, which replaces this one at every boot: in the
 * seed it would make a change of director, or turning HA on, a new seed, which replaces the
 * machine; in the step it is an update.
 */
export function bootGateway(spec: LabSpec, host: HostSpec): string {
    return host.role === "realServer" && spec.service.mode === "nat" ? spec.network.gateway : host.gateway;
}

/** cloud-init network-config v2: the NIC named by its MAC, a static address, the default route. */
export function renderNetworkConfig(spec: LabSpec, host: HostSpec): string {
    const doc = {
        version: 2,
        ethernets: {
            [host.nic]: {
                match: { macaddress: host.mac },
                "set-name": host.nic,
                dhcp4: false,
                addresses: [`${host.ip}/${spec.network.prefix}`],
                routes: [{ to: "0.0.0.0/0", via: bootGateway(spec, host) }],
            },
        },
    };
    return `${JSON.stringify(doc, null, 2)}\n`;
}

/** cloud-init meta-data: a stable instance id per machine. */
export function renderMetaData(spec: LabSpec, host: HostSpec): string {
    return `instance-id: lvs-lab-${spec.network.name}-${host.name}\nlocal-hostname: ${host.name}\n`;
}

/**
 * The first step on every guest: wait (bounded) until cloud-init has finished, and fail with its
 * report if it did not succeed. Readiness is this, not the first SSH answer.
 */
export function renderCloudInitWait(host: HostSpec): HostScript {
    return {
        create: script(`wait for cloud-init on ${host.name}`, [
            "if ! timeout 600 cloud-init status --wait >/dev/null; then",
            "    cloud-init status --long >&2 || true",
            "    exit 1",
            "fi",
        ]),
        delete: nothingToUndo(`cloud-init wait on ${host.name}`),
    };
}

/**
 * A local script that waits until `host`:22 answers: 150 tries, 3 s each at most, 2 s apart
 * (about 10 minutes). On a timeout it prints the tail of the serial console log if readable.
 */
export function renderSshWait(host: string, consoleLog: string): string {
    return script(`wait for SSH on ${host}`, [
        "answered=no",
        "for _ in $(seq 150); do",
        `    if timeout 3 bash -c 'exec 3<>/dev/tcp/${host}/22' 2>/dev/null; then answered=yes; break; fi`,
        "    sleep 2",
        "done",
        'if [[ $answered == no ]]; then',
        `    echo "lvs-lab: ${host}:22 did not answer within 10 minutes" >&2`,
        `    if [[ -r ${consoleLog} ]]; then tail -n 40 ${consoleLog} >&2; fi`,
        "    exit 1",
        "fi",
    ]);
}
