import { execFileSync } from "child_process";
import { describe, expect, it } from "vitest";
import { asRoot, machineLine } from "../../components/remote";

describe("asRoot", () => {
    // Runs the command line the way sshd hands it to the login shell, with sudo stubbed out.
    const runLocally = (cmd: string) => execFileSync("bash", ["-c", cmd.replace(/^sudo -n /, "")], { encoding: "utf8" });

    it("feeds the script to bash through a quoted heredoc, with or without a final newline", () => {
        expect(runLocally(asRoot("echo \"$((6 * 7)) $HOME\" | tr -d /"))).toMatch(/^42 /);
        expect(runLocally(asRoot("echo one\necho two\n"))).toBe("one\ntwo\n");
    });

    it("refuses a script that holds its terminator", () => {
        expect(() => asRoot("echo\nLVSLAB_SCRIPT_EOF\n")).toThrow("script contains the heredoc terminator LVSLAB_SCRIPT_EOF");
    });

    it("runs the script after the machine line, which the shell reads as a comment", () => {
        expect(machineLine("0d4c-uuid")).toBe("# lvs-lab machine 0d4c-uuid");
        expect(runLocally(`${machineLine("0d4c-uuid")}\n${asRoot("echo ran")}`.replace(/\nsudo -n /, "\n"))).toBe("ran\n");
    });
});
