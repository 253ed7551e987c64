/**
 * `npm run docs:config`: rewrites README.md's config table (between `<!-- config-table:start -->`
 * and `<!-- config-table:end -->`) from the schema, where each key's type, default and meaning
 * live (components/config/schema.ts). The unit test `test/unit/config-docs.test.ts` fails while
 * the table is stale.
 */
import { readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { configTable, readmeWithConfigTable } from "../components/config/docs";
import { runMain } from "./main";

const README = join(__dirname, "..", "README.md");

function main(): void {
    const before = readFileSync(README, "utf8");
    const after = readmeWithConfigTable(before, configTable());
    if (after === before) {
        console.log("README.md's config table is up to date");
        return;
    }
    writeFileSync(README, after);
    console.log("wrote README.md's config table");
}

runMain(module, main);
