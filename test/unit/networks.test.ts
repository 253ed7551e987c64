import { describe, expect, it } from "vitest";
import { LabNetwork, parseLabConfig } from "../../components/config";
import { labNetworks, networkAddresses } from "../../components/infra";
import { loadStackConfig } from "../stacks";

const base = () => structuredClone(loadStackConfig("default")) as any;

/** A stand-in for the sandbox's libvirt that counts how often it is asked, and with which URI. */
function libvirtWith(...networks: LabNetwork[]) {
    const asked: string[] = [];
    return { asked, networks: (uri: string) => (asked.push(uri), networks) };
}

/** The message of a config whose 192.168.168.0/24 overlaps `name`'s `held`. */
const overlapError = (name: string, held: string, got = "192.168.168.0/24") =>
    "invalid lvs-lab stack config (1 problem):\n" +
    `  - network.cidr: must not overlap another lab's network: libvirt network ${name} on qemu:///system has ${held}, and two labs whose networks overlap cannot both be up; ` +
    `destroy that lab first (npm run lab -- destroy STACK, with the stack whose network.name is ${name.replace(/^lvs-/, "")}), or give this stack a network of its own (network.cidr and every address in the config); got ${got}`;

describe("network.cidr against the other labs' networks (ParseOptions.networks)", () => {
    it("refuses a network that another lab's network overlaps, naming the key, that network, its CIDR and what to do", () => {
        const libvirt = libvirtWith({ name: "lvs-drtomcat", cidrs: ["192.168.168.1/24"] });
        expect(() => parseLabConfig(base(), libvirt)).toThrow(overlapError("lvs-drtomcat", "192.168.168.0/24"));
        expect(libvirt.asked).toEqual(["qemu:///system"]);
    });

    it("refuses a network that holds another lab's, or that another lab's holds", () => {
        expect(() => parseLabConfig(base(), libvirtWith({ name: "lvs-wide", cidrs: ["192.168.0.1/16"] }))).toThrow(overlapError("lvs-wide", "192.168.0.0/16"));
        expect(() => parseLabConfig(base(), libvirtWith({ name: "lvs-narrow", cidrs: ["192.168.168.129/25"] }))).toThrow(overlapError("lvs-narrow", "192.168.168.128/25"));
    });

    it("prints the overlap with no fix (only the user knows which lab to move), and skips addresses that are no IPv4 network", () => {
        let message = "";
        try {
            parseLabConfig(base(), libvirtWith({ name: "lvs-one", cidrs: ["192.168.168.5/32"] }));
        } catch (e) {
            message = (e as Error).message;
        }
        expect(message).toBe(overlapError("lvs-one", "192.168.168.5/32"));
        const odd = libvirtWith({ name: "lvs-odd", cidrs: ["fe80::1/64", "192.168.168.1", "192.168.168.1/x", "192.168.168.1/33", "192.168.168.1/123"] });
        expect(parseLabConfig(base(), odd).network.cidr).toBe("192.168.168.0/24");
    });

    it("takes the stack's own network (same libvirt name), whatever its CIDR, and networks that do not overlap", () => {
        const libvirt = libvirtWith(
            { name: "lvs-default", cidrs: ["192.168.168.1/24"] },
            { name: "lvs-nat", cidrs: ["192.168.169.1/24"] },
            { name: "lvs-tun", cidrs: ["172.25.8.1/24"] },
            { name: "lvs-odd", cidrs: [] },
        );
        expect(parseLabConfig(base(), libvirt).network.cidr).toBe("192.168.168.0/24");
        expect(libvirt.asked).toEqual(["qemu:///system"]);
    });

    it("asks libvirt only for a config with no other problem, and only for a libvirt on this machine", () => {
        const libvirt = libvirtWith({ name: "lvs-other", cidrs: ["192.168.168.1/24"] });
        const bad = base();
        bad.service.vip = "192.168.168.10";
        expect(() => parseLabConfig(bad, libvirt)).toThrow("service.vip: 192.168.168.10 is also the address of realServers[0]");
        const remote = base();
        remote.libvirt = { uri: "qemu+ssh://root@hv1/system" };
        expect(parseLabConfig(remote, libvirt).libvirt.uri).toBe("qemu+ssh://root@hv1/system");
        expect(libvirt.asked).toEqual([]);
    });
});

describe("labNetworks: the labs' networks as virsh reports them", () => {
    it("lists every lvs-* network, active or not, with the addresses of its XML", () => {
        const calls: string[] = [];
        const run = (file: string, args: string[]) => {
            calls.push([file, ...args].join(" "));
            if (args.includes("net-list")) return " default\n lvs-default\n lvs-nat \n\n";
            if (args.includes("lvs-default")) return "<network>\n  <name>lvs-default</name>\n  <bridge name='lvs-default' stp='on' delay='0'/>\n  <ip address='192.168.168.1' prefix='24'>\n  </ip>\n</network>\n";
            return "<network><name>lvs-nat</name><ip address=\"192.168.169.1\" netmask=\"255.255.255.0\"/><ip family='ipv6' address='fd00::1' prefix='64'/></network>";
        };
        expect(labNetworks("qemu:///system", run)).toEqual([
            { name: "lvs-default", cidrs: ["192.168.168.1/24"] },
            { name: "lvs-nat", cidrs: ["192.168.169.1/24"] },
        ]);
        expect(calls).toEqual([
            "virsh -q -c qemu:///system net-list --all --name",
            "virsh -q -c qemu:///system net-dumpxml lvs-default",
            "virsh -q -c qemu:///system net-dumpxml lvs-nat",
        ]);
    });

    it("fails naming the URI, what virsh said and where to run the engine", () => {
        const run = () => {
            throw Object.assign(new Error("Command failed"), { stderr: "error: failed to connect to the hypervisor\n" });
        };
        expect(() => labNetworks("qemu:///system", run)).toThrow(
            "cannot ask the libvirt at qemu:///system for the other labs' networks (virsh net-list --all --name: error: failed to connect to the hypervisor); run the engine inside the sandbox, as npm run lab -- up does",
        );
    });

    it("reads IPv4 addresses with a prefix or a netmask, and skips IPv6 and address-less elements", () => {
        expect(networkAddresses("<ip address='10.0.0.1' netmask='255.255.0.0'/><ip address='10.1.0.1' prefix='28'></ip><ip family=\"ipv6\" address=\"fd00::1\" prefix=\"64\"/><ip/>")).toEqual(["10.0.0.1/16", "10.1.0.1/28"]);
    });
});
