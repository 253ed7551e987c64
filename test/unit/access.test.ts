import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parseLabConfig } from "../../components/config";
import { loadStackConfig } from "../stacks";
import { labMocks, programDone, startMockEngine } from "./mockEngine";

/** An output's value and whether it is secret, once the mock engine resolved it. */
async function resolved<T>(output: pulumi.Output<T>): Promise<{ value: T; secret: boolean }> {
    const value = await new Promise<T>((resolve) => output.apply(resolve));
    return { value, secret: await pulumi.isSecret(output) };
}

// The `access` output the lab command reads (tools/lab.sh): the default and ha stacks' labs,
// built in one program under the lab mocks.
const access: Record<string, { value: any; secret: boolean }> = {};
beforeAll(async () => {
    await startMockEngine(labMocks);
    const { LvsDrCluster } = await import("../../components/lab");
    const labs = {
        default: new LvsDrCluster("lab", { spec: parseLabConfig(loadStackConfig("default")) }),
        ha: new LvsDrCluster("halab", { spec: parseLabConfig(loadStackConfig("ha")) }),
    };
    for (const [stack, lab] of Object.entries(labs)) access[stack] = await resolved(lab.access);
    await programDone();
});

describe("the access output", () => {
    it("the default stack: SSH user, libvirt, mode, VIP and ports, the one director, the client, every machine", () => {
        expect(access.default).toEqual({
            secret: false,
            value: {
                sshUser: "lab",
                libvirtUri: "qemu:///system",
                domainType: "qemu",
                network: "default",
                mode: "dr",
                vip: "192.168.168.100",
                ports: [80],
                directors: ["director"],
                client: "client",
                machines: [
                    { name: "nginx1", role: "realServer", ip: "192.168.168.10", domainName: "lvs-default-nginx1", consoleLog: "/var/log/libvirt/qemu/lvs-default-nginx1-console.log" },
                    { name: "nginx2", role: "realServer", ip: "192.168.168.20", domainName: "lvs-default-nginx2", consoleLog: "/var/log/libvirt/qemu/lvs-default-nginx2-console.log" },
                    { name: "director", role: "director", ip: "192.168.168.50", domainName: "lvs-default-director", consoleLog: "/var/log/libvirt/qemu/lvs-default-director-console.log" },
                    { name: "client", role: "client", ip: "192.168.168.60", domainName: "lvs-default-client", consoleLog: "/var/log/libvirt/qemu/lvs-default-client-console.log" },
                ],
            },
        });
    });

    it("the ha stack: both directors, the first director first, and every machine with its own domain and console log", () => {
        const { value, secret } = access.ha;
        expect(secret).toBe(false);
        expect(value.directors).toEqual(["director1", "director2"]);
        expect(value).toMatchObject({ sshUser: "lab", network: "ha", mode: "dr", vip: "192.168.169.100", ports: [80], client: "client" });
        expect(value.machines.map((m: any) => [m.name, m.role, m.ip])).toEqual([
            ["nginx1", "realServer", "192.168.169.10"],
            ["nginx2", "realServer", "192.168.169.20"],
            ["director1", "director", "192.168.169.50"],
            ["director2", "director", "192.168.169.51"],
            ["client", "client", "192.168.169.60"],
        ]);
        for (const m of value.machines) {
            expect(m.domainName).toBe(`lvs-ha-${m.name}`);
            expect(m.consoleLog).toBe(`/var/log/libvirt/qemu/lvs-ha-${m.name}-console.log`);
        }
    });

    it("holds plain JSON only (what `pulumi stack output access --json` prints)", () => {
        for (const { value } of Object.values(access)) expect(JSON.parse(JSON.stringify(value))).toStrictEqual(value);
    });
});
