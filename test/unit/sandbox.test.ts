import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { afterAll, describe, expect, it } from "vitest";

const REPO = join(__dirname, "..", "..");
const SANDBOX = join(REPO, "tools", "sandbox.sh");

/**
 * tools/sandbox.sh with a state directory and a namespace name of its own that no sandbox uses:
 * nothing here starts, enters or stops a sandbox.
 */
const state = mkdtempSync(join(tmpdir(), "lvs-lab-sandbox-"));
const env = { ...process.env, LVS_LAB_SANDBOX_DIR: state, LVS_LAB_NETNS: `lvsunit${process.pid}` };
const sandbox = (...args: string[]) => spawnSync("bash", [SANDBOX, ...args], { encoding: "utf8", env });
afterAll(() => rmSync(state, { recursive: true, force: true }));

const USAGE = `usage: ${SANDBOX} up|exec CMD...|status|clean NAME...|down [--force]\n`;
const DOWN = "lvs-lab: the sandbox (lvsunit" + process.pid + ") is down: start it with 'bash tools/sandbox.sh up' (or 'npm run lab -- up')\n";

describe("sandbox.sh: arguments", () => {
    it.each([[[]], [["nosuch"]], [["up", "extra"]], [["down", "--all"]], [["down", "--force", "extra"]], [["clean"]], [["exec"]], [["status", "extra"]]])("%j is a usage error (exit 2)", (args) => {
        const r = sandbox(...args);
        expect(r.status).toBe(2);
        expect(r.stderr).toBe(USAGE);
    });

    it("takes only a lab's network.name for clean", () => {
        const r = sandbox("clean", "ok", "Bad_Name");
        expect(r.status).toBe(2);
        expect(r.stderr).toBe("lvs-lab: not a lab's network.name: 'Bad_Name' (a-z, 0-9 and '-', starting with a letter, at most 11 characters)\n");
    });

    it.each(["/var/lib/libvirt/lvs", "/run/libvirt", "/var/run/libvirt/x", "/etc/libvirt/sandbox/"])("refuses a state directory inside a directory the sandbox replaces: %s", (dir) => {
        const r = spawnSync("bash", [SANDBOX, "status"], { encoding: "utf8", env: { ...env, LVS_LAB_SANDBOX_DIR: dir } });
        expect(r.status).toBe(2);
        expect(r.stderr).toMatch(new RegExp(`^lvs-lab: LVS_LAB_SANDBOX_DIR must be outside /(var/)?(run|lib|etc)/libvirt, which the sandbox replaces with a directory of its own; got ${dir}\n$`));
    });

    it("refuses a relative state directory", () => {
        const r = spawnSync("bash", [SANDBOX, "status"], { encoding: "utf8", env: { ...env, LVS_LAB_SANDBOX_DIR: "sandbox" } });
        expect(r.status).toBe(2);
        expect(r.stderr).toBe("lvs-lab: LVS_LAB_SANDBOX_DIR must be an absolute path; got 'sandbox'\n");
    });
});

describe("sandbox.sh: a sandbox that is down", () => {
    it("says so in status, and exec and clean fail naming what to run", () => {
        expect(sandbox("status")).toMatchObject({ status: 0, stdout: "down\n" });
        expect(sandbox("exec", "virsh", "version")).toMatchObject({ status: 1, stderr: DOWN });
        expect(sandbox("clean", "a")).toMatchObject({ status: 1, stderr: DOWN });
    });

    it("never takes a pid file that names another process for its libvirtd", () => {
        // This test's own pid: alive, but no libvirtd in the sandbox's namespace.
        writeFileSync(join(state, "libvirtd.pid"), `${process.pid}\n`);
        expect(sandbox("status")).toMatchObject({ status: 0, stdout: "down\n" });
        expect(sandbox("exec", "virsh", "version")).toMatchObject({ status: 1, stderr: DOWN });
        rmSync(join(state, "libvirtd.pid"));
    });
});

/**
 * Runs sandbox.sh's `remove_labs` against a stand-in libvirtd: `sandbox_virsh` answers the lists
 * below and records every other call, one line each (remove_labs silences virsh's output), and
 * which domains it was asked the NICs of (`asked`).
 * Two labs, `a` and `a-b` (whose names all begin with lvs-a- too), a domain on no network, a
 * domain of lab `a` with an odd name, pools of both, and objects of no lab.
 */
function removeLabs(...names: string[]): { calls: string[]; asked: string[]; stderr: string } {
    const script = `
        source "$1"
        shift
        sandbox_virsh() {
            case $1 in
                net-list) printf '%s\\n' lvs-a lvs-a-b default ;;
                list) printf '%s\\n' lvs-a-web1 lvs-a-b-x lvs-a-orphan lvs-custom guest ;;
                pool-list) printf '%-14s\\n' lvs-a lvs-a-b-test lvs-a-test default ;;
                domiflist)
                    echo "$2" >>"$ASKED"
                    case $2 in
                        lvs-a-web1) echo ' -   network   lvs-a     virtio   52:54:00:00:00:01' ;;
                        lvs-a-b-x) echo ' vnet0   network   lvs-a-b   virtio   52:54:00:00:00:02' ;;
                        lvs-custom) echo ' -   network   lvs-a     virtio   52:54:00:00:00:03' ;;
                    esac ;;
                vol-list) [[ $2 == lvs-a ]] && echo ' lvs-a-base.qcow2   /var/lib/libvirt/images/lvs-a/lvs-a-base.qcow2' ;;
                *) echo "$*" >>"$CALLS" ;;
            esac
        }
        remove_labs "$@"`;
    const [calls, asked] = [join(state, "calls"), join(state, "asked")];
    writeFileSync(calls, "");
    writeFileSync(asked, "");
    const r = spawnSync("bash", ["-c", script, "test", SANDBOX, ...names], { encoding: "utf8", env: { ...env, CALLS: calls, ASKED: asked } });
    expect(r.status, r.stderr).toBe(0);
    const lines = (file: string) => readFileSync(file, "utf8").split("\n").filter(Boolean);
    return { calls: lines(calls), asked: lines(asked), stderr: r.stderr };
}

describe("sandbox.sh clean: only the named labs' objects", () => {
    it("removes lab a's domains (by their network, else their name), network and pools, and nothing of lab a-b", () => {
        const { calls, stderr } = removeLabs("a");
        expect(calls).toEqual([
            "destroy lvs-a-web1", "undefine lvs-a-web1",
            "destroy lvs-a-orphan", "undefine lvs-a-orphan",
            "destroy lvs-custom", "undefine lvs-custom",
            "net-destroy lvs-a", "net-undefine lvs-a",
            "pool-start lvs-a", "vol-delete --pool lvs-a lvs-a-base.qcow2", "pool-destroy lvs-a", "pool-delete lvs-a", "pool-undefine lvs-a",
            "pool-start lvs-a-test", "pool-destroy lvs-a-test", "pool-delete lvs-a-test", "pool-undefine lvs-a-test",
        ]);
        expect(stderr).toBe("lvs-lab: removed from the sandbox: domain lvs-a-web1, domain lvs-a-orphan, domain lvs-custom, network lvs-a, pool lvs-a, pool lvs-a-test\n");
    });

    it("removes lab a-b's objects only", () => {
        const { calls } = removeLabs("a-b");
        expect(calls).toEqual([
            "destroy lvs-a-b-x", "undefine lvs-a-b-x",
            "net-destroy lvs-a-b", "net-undefine lvs-a-b",
            "pool-start lvs-a-b-test", "pool-destroy lvs-a-b-test", "pool-delete lvs-a-b-test", "pool-undefine lvs-a-b-test",
        ]);
    });

    it("says when nothing of a lab is there", () => {
        // Named labs: each domain's NIC says whose it is.
        expect(removeLabs("zz")).toEqual({ calls: [], asked: ["lvs-a-web1", "lvs-a-b-x", "lvs-a-orphan", "lvs-custom"], stderr: "lvs-lab: nothing of zz is in the sandbox\n" });
    });

    it("without names (down --force), removes every lvs-* object and nothing else, without asking whose each domain is", () => {
        const { calls, asked, stderr } = removeLabs();
        // Every call, not only the undefines: a domain, network or pool of no lab is neither stopped nor removed.
        expect(calls).toEqual([
            "destroy lvs-a-web1", "undefine lvs-a-web1",
            "destroy lvs-a-b-x", "undefine lvs-a-b-x",
            "destroy lvs-a-orphan", "undefine lvs-a-orphan",
            "destroy lvs-custom", "undefine lvs-custom",
            "net-destroy lvs-a", "net-undefine lvs-a",
            "net-destroy lvs-a-b", "net-undefine lvs-a-b",
            "pool-start lvs-a", "vol-delete --pool lvs-a lvs-a-base.qcow2", "pool-destroy lvs-a", "pool-delete lvs-a", "pool-undefine lvs-a",
            "pool-start lvs-a-b-test", "pool-destroy lvs-a-b-test", "pool-delete lvs-a-b-test", "pool-undefine lvs-a-b-test",
            "pool-start lvs-a-test", "pool-destroy lvs-a-test", "pool-delete lvs-a-test", "pool-undefine lvs-a-test",
        ]);
        expect(asked).toEqual([]);
        expect(stderr).toBe("lvs-lab: removed from the sandbox: domain lvs-a-web1, domain lvs-a-b-x, domain lvs-a-orphan, domain lvs-custom, network lvs-a, network lvs-a-b, pool lvs-a, pool lvs-a-b-test, pool lvs-a-test\n");
    });
});
