import { execFileSync } from "child_process";
import type { LabNetwork } from "../config";

/** Runs a command to completion and returns its stdout; throws when it fails (execFileSync's way). */
export type RunCommand = (file: string, args: string[]) => string;

const execVirsh: RunCommand = (file, args) => execFileSync(file, args, { encoding: "utf8", timeout: 30_000, stdio: ["ignore", "pipe", "pipe"] });

/**
 * Every lab network (`lvs-*`, active or not) of the libvirt at `uri`, with its IPv4 addresses, as
 * `virsh net-list` and `virsh net-dumpxml` give them. Run by the program inside the sandbox, where
 * `qemu:///system` is the sandbox's libvirtd.
 * @param uri the libvirt URI (`libvirt.uri`).
 * @param run runs virsh; tests stand in for it.
 * @throws Error naming the URI and what virsh said, when libvirt cannot be asked.
 */
export function labNetworks(uri: string, run: RunCommand = execVirsh): LabNetwork[] {
    const virsh = (...args: string[]) => {
        try {
            return run("virsh", ["-q", "-c", uri, ...args]);
        } catch (e) {
            const said = String((e as { stderr?: unknown }).stderr ?? "").trim() || (e as Error).message;
            throw new Error(`cannot ask the libvirt at ${uri} for the other labs' networks (virsh ${args.join(" ")}: ${said}); run the engine inside the sandbox, as npm run lab -- up does`);
        }
    };
    const names = virsh("net-list", "--all", "--name").split("\n").map((l) => l.trim()).filter((n) => n.startsWith("lvs-"));
    return names.map((name) => ({ name, cidrs: networkAddresses(virsh("net-dumpxml", name)) }));
}

/**
 * The IPv4 addresses of a libvirt network's XML, each with its prefix: every `<ip>` element that
 * is not IPv6, with `prefix` or `netmask`.
 */
export function networkAddresses(xml: string): string[] {
    const out: string[] = [];
    for (const tag of xml.matchAll(/<ip\b([^>]*)>/g)) {
        const attrs = Object.fromEntries([...tag[1].matchAll(/([\w-]+)\s*=\s*(['"])(.*?)\2/g)].map((m) => [m[1], m[3]]));
        if (attrs.family === "ipv6" || !attrs.address || attrs.address.includes(":")) continue;
        const prefix = attrs.prefix ?? (attrs.netmask ? String(prefixOf(attrs.netmask)) : undefined);
        if (prefix !== undefined) out.push(`${attrs.address}/${prefix}`);
    }
    return out;
}

/** The prefix length of a dotted netmask, e.g. 24 for 255.255.255.0. */
function prefixOf(netmask: string): number {
    return netmask.split(".").reduce((bits, octet) => bits + Number(octet).toString(2).replace(/0/g, "").length, 0);
}
