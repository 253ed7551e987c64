import { expect, it } from "vitest";
import { loadStackConfig } from "../stacks";
import { programDone, startMockEngine } from "./mockEngine";

it("invalid stack config: the program throws the config error and registers zero resources", async () => {
    const raw = structuredClone(loadStackConfig("default")) as any;
    raw.realServers[1].ip = "192.168.169.20";
    // The engine hands a program its config through PULUMI_CONFIG, keyed namespace:key.
    process.env.PULUMI_CONFIG = JSON.stringify(Object.fromEntries(Object.entries(raw).map(([k, v]) => [`lvs-lab:${k}`, JSON.stringify(v)])));
    const types: string[] = [];
    await startMockEngine({ newResource: (args) => (types.push(args.type), { id: `${args.name}-id`, state: args.inputs }), call: () => ({}) });
    await expect(import("../../index")).rejects.toThrow(
        "realServers[1].ip: 192.168.169.20 is not a host address of network.cidr 192.168.168.0/24",
    );
    // A resource begun before the throw reaches the mocks only once its inputs resolve: wait for every one.
    await programDone();
    expect(types).toEqual([]);
});
