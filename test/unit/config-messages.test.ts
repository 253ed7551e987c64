import { expect, it } from "vitest";
import { LabConfigError, PathSegment, fixLine, parseKeyPath, parseLabConfig } from "../../components/config";
import { configKeyDocs } from "../../components/config/docs";
import { loadStackConfig } from "../stacks";

/**
 * What a user reads for each key of the config when its value is wrong: for every key the
 * README's table lists, the message and the fix printed for a value of the wrong type, for the
 * edge values of its kind (an empty list, a number out of range, text that is no valid value,
 * the key left out), compared with the committed copy in messages/config-keys.txt. A change
 * to any message or fix shows there as a diff to review. `npx vitest run --project unit -u
 * test/unit/config-messages.test.ts` writes the new copy after a deliberate change.
 */

/**
 * A lab with every section: the HA stack (two directors, health checks) with the NFS server and
 * web roots of dr-nfs and the tomcats of dr-tomcat.
 */
function everySection(): Record<string, any> {
    const lab = structuredClone(loadStackConfig("ha")) as Record<string, any>;
    const nfs = loadStackConfig("dr-nfs") as Record<string, any>;
    const tomcat = loadStackConfig("dr-tomcat") as Record<string, any>;
    lab.nfs = { ...nfs.nfs, ip: "192.168.169.70" };
    lab.realServers[0].nfsExport = nfs.nfs.exports[0];
    lab.tomcats = tomcat.tomcats.map((t: Record<string, unknown>, i: number) => ({ ...t, ip: `192.168.169.${80 + i}` }));
    lab.service.healthCheck = {};
    lab.libvirt = { pool: "lvs-lab", poolPath: "/var/lib/lvs-lab/pool" };
    return lab;
}

/** Sets (or, with `undefined`, removes) the value at a key path, making the maps and lists on the way. */
function setAt(root: Record<string, any>, path: PathSegment[], value: unknown): void {
    let node: any = root;
    path.slice(0, -1).forEach((seg, i) => {
        node[seg] ??= typeof path[i + 1] === "number" ? [] : {};
        node = node[seg];
    });
    const last = path[path.length - 1];
    if (value === undefined) delete node[last];
    else node[last] = value;
}

/** What validation prints for the lab with that value: every issue, with its fix line, or that it accepts it. */
function said(key: string, value: unknown): string {
    const lab = everySection();
    setAt(lab, parseKeyPath(key), value);
    try {
        parseLabConfig(lab);
        return "accepted";
    } catch (e) {
        expect(e).toBeInstanceOf(LabConfigError);
        return (e as LabConfigError).issues.map((i) => `${i.path}: ${i.message}${i.fix.length ? `\n    fix: ${fixLine(i.fix)}` : ""}`).join("\n");
    }
}

/** Values of each kind at the edges of what it takes, tried besides the ones every key gets. */
const EDGES: Record<string, unknown[]> = {
    "host name": ["a", "a-", "-a", "a".repeat(31), "a".repeat(32)],
    "IPv4 address": ["192.168.169.256", "192.168.169", "192.168.169.01"],
    "IPv4 network": ["192.168.169.0/32", "192.168.169.0/33", "192.168.169.0/29", "10.0.0.0/8", "192.168.169.0"],
    MAC: ["52:54:00:A8:A8:0A", "01:00:5e:00:00:01", "52:54:00:a8:a8"],
    "interface name": ["lo", "tunl0", "e", "eth0", "abcdefghijklm", "abcdefghijklmn"],
    "absolute path": ["/opt/../etc", "/opt/./kgc", "opt/kgc", "/opt/kgc/", "/"],
    "path or URL": ["ftp://example.org/lab.qcow2", "https://example.org/lab.qcow2", "http://example.org/lab.qcow2", "file:///lab.qcow2"],
    "URL path": ["/a b", "/status/ok.html", "status"],
    URI: ["qemu+ssh://root@hv1/system", "test:///default", "qemu:/system", "QEMU:///system"],
    "user name": ["root", "_lab", "9lab", "a".repeat(32), "a".repeat(33)],
    "pool name": ["a", "a".repeat(31), "a".repeat(32), "9pool"],
    "network name": ["a", "a".repeat(11), "a".repeat(12), "lab-"],
};

/** The edge values tried for a key, by the type the README's table shows for it. */
function triedValues(type: string, required: boolean): unknown[] {
    const values: unknown[] = [{ wrong: "type" }];
    const range = /^(integer|seconds) ([\d.]+)–([\d.]+)$/.exec(type);
    if (range) {
        const [min, max] = [Number(range[2]), Number(range[3])];
        // Just outside the range, a step finer than the key takes, and a number written as text.
        values.push(min === 0 ? -1 : 0, max + 1, range[1] === "integer" ? min + 0.5 : min + 0.005, String(min));
    } else if (/list/.test(type)) values.push([], "text");
    else if (type === "boolean") values.push("true");
    else if (type !== "map") values.push("", " x", 7);
    values.push(...(EDGES[type] ?? []));
    if (required) values.push(undefined);
    return values;
}

it("every key's messages and fixes for wrong values are the committed ones", async () => {
    const lines = configKeyDocs().flatMap((doc) => {
        const key = doc.key.replace(/\[i\]/g, "[0]");
        return triedValues(doc.type, doc.default === "required").map((value) => `${key} = ${value === undefined ? "(left out)" : JSON.stringify(value)}\n${said(key, value)}\n`);
    });
    expect(lines.length).toBeGreaterThan(250);
    await expect(lines.join("\n")).toMatchFileSnapshot("messages/config-keys.txt");
    // Some 300 validations of a whole config: about 14 s alone, and beside the VM suites' guests
    // (npm test runs both projects at once) past the unit project's 30 s.
}, 180_000);
