/**
 * After `stryker run`: the mutation score of each mutated file, from StrykerJS's JSON report
 * (reports/mutation/mutation.json), printed and written into docs/mutation.md between
 * `<!-- mutation-scores:start -->` and `<!-- mutation-scores:end -->`. `npm run test:mutation`
 * runs both. The score counts a mutant as detected when a test failed (killed) or the tests ran
 * out of time (timeout); a mutant no test covers counts as survived.
 * Usage: `ts-node tools/mutation-scores.ts [REPORT]`. After a first run split file by file
 * (`--mutate`), each run's mutation.json holds only its own files; the incremental report
 * (reports/mutation/incremental.json, the same format) holds every file's last result.
 */
import { readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { runMain } from "./main";

const ROOT = join(__dirname, "..");
const REPORT = join(ROOT, "reports", "mutation", "mutation.json");
const DOC = join(ROOT, "docs", "mutation.md");
const START = "<!-- mutation-scores:start -->";
const END = "<!-- mutation-scores:end -->";

/** How many mutants of a file (or a group of files) ended in each way. */
export interface Tally {
    killed: number;
    timeout: number;
    survived: number;
    noCoverage: number;
}

/** The share of mutants the tests detected, in percent; undefined when nothing was judged. */
export function score(t: Tally): number | undefined {
    const judged = t.killed + t.timeout + t.survived + t.noCoverage;
    return judged ? ((t.killed + t.timeout) * 100) / judged : undefined;
}

/** Tallies a StrykerJS JSON report (mutation-testing-report-schema) per file. */
export function tallyReport(report: { files: Record<string, { mutants: { status: string }[] }> }): Map<string, Tally> {
    const out = new Map<string, Tally>();
    for (const [file, { mutants }] of Object.entries(report.files)) {
        const t: Tally = { killed: 0, timeout: 0, survived: 0, noCoverage: 0 };
        for (const m of mutants) {
            if (m.status === "Killed") t.killed++;
            else if (m.status === "Timeout") t.timeout++;
            else if (m.status === "Survived") t.survived++;
            else if (m.status === "NoCoverage") t.noCoverage++;
        }
        out.set(file, t);
    }
    return out;
}

function sum(ts: Tally[]): Tally {
    return ts.reduce((a, t) => ({ killed: a.killed + t.killed, timeout: a.timeout + t.timeout, survived: a.survived + t.survived, noCoverage: a.noCoverage + t.noCoverage }), { killed: 0, timeout: 0, survived: 0, noCoverage: 0 });
}

/** The markdown table: one row per file, then one per folder, then the total of config and render. */
export function scoreTable(tallies: Map<string, Tally>): string {
    const pct = (t: Tally) => (score(t) === undefined ? "–" : `${score(t)!.toFixed(1)}%`);
    const row = (name: string, t: Tally) => `| ${name} | ${t.killed} | ${t.timeout} | ${t.survived} | ${t.noCoverage} | ${pct(t)} |`;
    const files = [...tallies.keys()].sort();
    const folders = [...new Set(files.map((f) => f.split("/").slice(0, -1).join("/")))];
    const under = (prefixes: string[]) => sum(files.filter((f) => prefixes.some((p) => f.startsWith(`${p}/`))).map((f) => tallies.get(f)!));
    return [
        "| File | Killed | Timeout | Survived | No coverage | Score |",
        "|---|---:|---:|---:|---:|---:|",
        ...files.map((f) => row(`\`${f}\``, tallies.get(f)!)),
        ...folders.map((d) => row(`**\`${d}/\`**`, under([d]))),
        row("**config and render**", under(["components/config", "components/render"])),
    ].join("\n");
}

function main(): void {
    const report = JSON.parse(readFileSync(process.argv[2] ?? REPORT, "utf8"));
    const table = scoreTable(tallyReport(report));
    console.log(table);
    const doc = readFileSync(DOC, "utf8");
    const a = doc.indexOf(START);
    const b = doc.indexOf(END);
    if (a < 0 || b < a) throw new Error(`${DOC} has no ${START} … ${END} block`);
    writeFileSync(DOC, `${doc.slice(0, a + START.length)}\n${table}\n${doc.slice(b)}`);
    console.log(`wrote the scores into ${DOC}`);
}

runMain(module, main);
