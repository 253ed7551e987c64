import { execFileSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { describe, expect, it } from "vitest";
import { MachineArgs, cmdlineEntries, createMachine, serialLogXslt } from "../../components/infra";

describe("domain XSLT", () => {
    it("adds a logged serial port in front of the provider's pty console (xsltproc, as the provider runs it)", () => {
        const dir = mkdtempSync(join(tmpdir(), "lvs-lab-xslt-"));
        try {
            // The shape terraform-provider-libvirt writes for a pty console: no type attribute.
            writeFileSync(join(dir, "domain.xml"), '<domain type="qemu"><name>x</name><devices><disk/><console><target type="serial" port="0"></target></console></devices></domain>');
            writeFileSync(join(dir, "t.xsl"), serialLogXslt("/var/log/libvirt/qemu/x-console.log"));
            let out: string;
            try {
                out = execFileSync("xsltproc", [join(dir, "t.xsl"), join(dir, "domain.xml")], { encoding: "utf8" });
            } catch (e: any) {
                if (e.code === "ENOENT") throw new Error("prerequisite missing: xsltproc (apt-get install xsltproc)");
                throw e;
            }
            expect(out.replace(/\s+/g, " ")).toContain(
                '<serial type="pty"> <target port="0"/> <log file="/var/log/libvirt/qemu/x-console.log" append="on"/> </serial> <console> <target type="serial" port="0"/> </console>',
            );
            expect(out.match(/<serial/g)).toHaveLength(1);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("direct kernel boot", () => {
    it("turns a command line into the provider's list of one-key maps", () => {
        expect(cmdlineEntries("root=LABEL=lvs-root ro console=ttyS0,115200n8")).toEqual([{ root: "LABEL=lvs-root" }, { ro: "" }, { console: "ttyS0,115200n8" }]);
    });

    it("refuses an initrd or a command line without a kernel before it creates anything, rather than drop them", () => {
        const args: MachineArgs = {
            domainName: "lvs-t-m", diskVolume: "d", seedVolume: "s", vcpus: 1, memoryMiB: 256, domainType: "qemu", mac: "52:54:00:00:00:01",
            networkId: "n", poolName: "p", baseVolumeId: "b", userData: "", networkConfig: "", metaData: "",
        };
        expect(() => createMachine("m", { ...args, cmdline: "console=ttyS0" }, {})).toThrow("createMachine m: cmdline is for direct kernel boot and needs kernel; set kernel or leave it out");
        expect(() => createMachine("m", { ...args, initrd: "/boot/initrd.img" }, {})).toThrow("createMachine m: initrd is for direct kernel boot and needs kernel; set kernel or leave it out");
    });
});
