/**
 * The commands a config error prints as fixes, in one place: how they are spelt, quoted and
 * parsed back, and what they do to the config (a model of `pulumi config set/rm --path` of the
 * pinned CLI, 3.121), so tests can apply a printed fix exactly as a user would.
 */

/**
 * How users change the current stack's config: `npm run lab -- config ...` runs the project's
 * pinned engine (`tools/pulumi`, with the project's PULUMI_HOME and backend) on the current
 * stack, where a bare `pulumi config set` would reach another backend.
 */
export const LAB_CONFIG_COMMAND = "npm run lab -- config";

/** Builds what the lab needs on this machine, the guest image included. */
export const SETUP_COMMAND = "npm run setup";

/** One segment of a config key path: a map key or a list index. */
export type PathSegment = string | number;

/** One command of a fix. */
export type ConfigFix =
    /** `config set --path KEY VALUE`. */
    | { kind: "set"; key: string; value: string }
    /** `config rm --path KEY`: the key goes, and its default (if any) applies. */
    | { kind: "rm"; key: string }
    /** `npm run setup`, which builds the guest image at `DEFAULT_IMAGE`. */
    | { kind: "setup" };

/**
 * A set command.
 * @param key the key path, e.g. `realServers[1].ip` (see `formatKeyPath`).
 * @param value the value as typed on the command line.
 */
export function setFix(key: string, value: string | number | boolean): ConfigFix {
    return { kind: "set", key, value: String(value) };
}

/**
 * A remove command.
 * @param key the key path, e.g. `service.shceduler`.
 */
export function rmFix(key: string): ConfigFix {
    return { kind: "rm", key };
}

const PLAIN_NAME = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/**
 * Formats a key path the way `--path` parses it: `realServers[1].ip`; a map key that is not a
 * plain name is written `["a key"]`.
 * @param path the segments; the first is a top-level key.
 */
export function formatKeyPath(path: readonly PropertyKey[]): string {
    return path.reduce<string>((acc, key) => {
        if (typeof key === "number") return `${acc}[${key}]`;
        const name = String(key);
        if (PLAIN_NAME.test(name)) return acc ? `${acc}.${name}` : name;
        // The CLI unescapes only \" inside quotes, so a backslash stays as it is.
        return `${acc}["${name.replace(/"/g, '\\"')}"]`;
    }, "");
}

/**
 * Parses a key path as the CLI does (`resource.ParsePropertyPathStrict`).
 * @param key e.g. `realServers[1].ip` or `service["odd key"]`.
 * @throws Error when the CLI would refuse the path.
 */
export function parseKeyPath(key: string): PathSegment[] {
    const out: PathSegment[] = [];
    let rest = key;
    if (rest.startsWith(".")) throw new Error(`invalid config key path ${key}: it starts with '.'`);
    while (rest.length > 0) {
        if (rest[0] === ".") {
            rest = rest.slice(1);
            if (rest.length === 0 || rest[0] === "[") throw new Error(`invalid config key path ${key}: expected a name after '.'`);
        } else if (rest[0] === "[") {
            if (rest[1] === '"') {
                let i = 2;
                let name = "";
                for (;;) {
                    if (i >= rest.length) throw new Error(`invalid config key path ${key}: missing closing quote`);
                    if (rest[i] === '"') break;
                    if (rest[i] === "\\" && rest[i + 1] === '"') {
                        name += '"';
                        i += 2;
                    } else {
                        name += rest[i];
                        i += 1;
                    }
                }
                if (rest[i + 1] !== "]") throw new Error(`invalid config key path ${key}: missing closing bracket`);
                out.push(name);
                rest = rest.slice(i + 2);
            } else {
                const close = rest.indexOf("]");
                if (close < 0 || !/^\d+$/.test(rest.slice(1, close))) throw new Error(`invalid config key path ${key}: bad list index`);
                out.push(Number(rest.slice(1, close)));
                rest = rest.slice(close + 1);
            }
        } else {
            const end = rest.search(/[.[]/);
            const name = end < 0 ? rest : rest.slice(0, end);
            out.push(name);
            rest = end < 0 ? "" : rest.slice(end);
        }
    }
    if (typeof out[0] !== "string" || out[0] === "") throw new Error(`invalid config key path ${key}: it must start with a key name`);
    return out;
}

const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes a word for a POSIX shell; plain words stay as they are. */
export function shellQuote(word: string): string {
    return SHELL_SAFE.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/** The command line of one fix command. */
export function fixCommand(fix: ConfigFix): string {
    switch (fix.kind) {
        case "set":
            return `${LAB_CONFIG_COMMAND} set --path ${shellQuote(fix.key)} ${shellQuote(fix.value)}`;
        case "rm":
            return `${LAB_CONFIG_COMMAND} rm --path ${shellQuote(fix.key)}`;
        case "setup":
            return SETUP_COMMAND;
    }
}

/** The command line of a whole fix: its commands in order, joined with `&&`. */
export function fixLine(fixes: readonly ConfigFix[]): string {
    return fixes.map(fixCommand).join(" && ");
}

/** The `&&` between commands, told apart from a quoted word "&&". */
const AND = Symbol("&&");

/** Splits a command line into words and `&&` operators as a POSIX shell does (quotes, backslashes). */
function shellWords(line: string): (string | typeof AND)[] {
    const words: (string | typeof AND)[] = [];
    let word: string | undefined;
    let quoted = false;
    const end = () => {
        if (word !== undefined) words.push(word === "&&" && !quoted ? AND : word);
        word = undefined;
        quoted = false;
    };
    for (let i = 0; i < line.length; i++) {
        const ch = line[i];
        if (ch === "'") {
            const close = line.indexOf("'", i + 1);
            if (close < 0) throw new Error(`unterminated quote in ${line}`);
            word = (word ?? "") + line.slice(i + 1, close);
            quoted = true;
            i = close;
        } else if (ch === "\\") {
            word = (word ?? "") + line[++i];
            quoted = true;
        } else if (ch === " ") {
            end();
        } else {
            word = (word ?? "") + ch;
        }
    }
    end();
    return words;
}

/**
 * Parses a printed fix line back into its commands, as the shell and the lab command would.
 * @throws Error for anything that is not a fix line this module prints.
 */
export function parseFixLine(line: string): ConfigFix[] {
    const words = shellWords(line);
    const commands: string[][] = [[]];
    for (const w of words) {
        if (w === AND) commands.push([]);
        else commands[commands.length - 1].push(w);
    }
    const lab = shellWords(LAB_CONFIG_COMMAND);
    const setup = shellWords(SETUP_COMMAND);
    return commands.map((argv) => {
        if (argv.join(" ") === setup.join(" ")) return { kind: "setup" } as const;
        if (argv.slice(0, lab.length).join(" ") !== lab.join(" ")) throw new Error(`not a lab config command: ${argv.join(" ")}`);
        const [verb, flag, key, ...values] = argv.slice(lab.length);
        if (flag !== "--path" || key === undefined) throw new Error(`expected 'set --path KEY VALUE' or 'rm --path KEY': ${argv.join(" ")}`);
        if (verb === "set" && values.length === 1) return { kind: "set", key, value: values[0] } as const;
        if (verb === "rm" && values.length === 0) return { kind: "rm", key } as const;
        throw new Error(`expected 'set --path KEY VALUE' or 'rm --path KEY': ${argv.join(" ")}`);
    });
}

/**
 * The value `config set --path` stores below the top level (the CLI's `adjustObjectValue`):
 * `true`/`false` become booleans and integers without a leading zero become numbers; anything
 * else, `[80]` and `1.5` included, stays a string. A list or map cannot be set in one command.
 */
export function storedValue(text: string): string | number | boolean {
    if (text === "true") return true;
    if (text === "false") return false;
    if (text.length > 1 && text[0] === "0") return text;
    if (/^[+-]?\d+$/.test(text)) {
        const n = BigInt(text);
        if (n >= -(2n ** 63n) && n < 2n ** 63n) return Number(n);
    }
    return text;
}

const isContainer = (v: unknown): v is Record<string, unknown> | unknown[] => typeof v === "object" && v !== null;
const newContainer = (head: PathSegment): unknown => (typeof head === "number" ? new Array(head + 1).fill(null) : {});

function setIn(current: unknown, prefix: PathSegment[], path: PathSegment[], value: unknown): unknown {
    if (path.length === 0) return value;
    const [head, ...tail] = path;
    let c = current;
    if (!isContainer(c)) {
        // The CLI overwrites a scalar only at the top level; deeper it refuses.
        if (c === undefined || c === null || prefix.length === 1) c = newContainer(head);
        else throw new Error(`${prefix.join(".")}: expected ${typeof head === "number" ? "an array" : "a map"}`);
    }
    const at = [...prefix, head];
    if (Array.isArray(c)) {
        if (typeof head !== "number") throw new Error(`${at.join(".")}: key for an array must be an int`);
        if (head > c.length) throw new Error(`${at.join(".")}: array index out of range`);
        const list = [...c];
        // At the list's length this appends: an array grows on assignment.
        list[head] = setIn(list[head], at, tail, value);
        return list;
    }
    if (typeof head !== "string") throw new Error(`${at.join(".")}: key for a map must be a string`);
    const map = { ...(c as Record<string, unknown>) };
    map[head] = setIn(map[head], at, tail, value);
    return map;
}

/** Removes what a non-empty `path` names below `current`; anything else is left as it is. */
function deleteIn(current: unknown, path: PathSegment[]): unknown {
    if (!isContainer(current)) return current;
    const [head, ...tail] = path;
    if (Array.isArray(current)) {
        if (typeof head !== "number" || head >= current.length) return current;
        const list = [...current];
        if (tail.length === 0) list.splice(head, 1);
        else list[head] = deleteIn(list[head], tail);
        return list;
    }
    // A list index names nothing in a map, not even a key "0".
    if (typeof head !== "string") return current;
    const map = { ...(current as Record<string, unknown>) };
    if (tail.length === 0) delete map[head];
    else if (head in map) map[head] = deleteIn(map[head], tail);
    return map;
}

/**
 * Applies one fix command to a raw config (the object `rawConfigFrom` gives the program) the
 * way the CLI changes the stack file and the program then reads it. Pure: returns a new object.
 * @param raw the project's config values by top-level key.
 * @param fix the command.
 * @param topLevel how the program reads a top-level key's text (`decodeConfigValue`).
 * @throws Error when the CLI would refuse the command.
 */
export function applyConfigFix(raw: Record<string, unknown>, fix: ConfigFix, topLevel: (key: string, text: string) => unknown): Record<string, unknown> {
    if (fix.kind === "setup") return raw;
    const [root, ...rest] = parseKeyPath(fix.key) as [string, ...PathSegment[]];
    const out = { ...raw };
    if (fix.kind === "rm") {
        if (rest.length === 0) delete out[root];
        else if (root in out) out[root] = deleteIn(out[root], rest);
        return out;
    }
    // A top-level key is stored as the text itself; below it the CLI converts the text.
    out[root] = rest.length === 0 ? topLevel(root, fix.value) : setIn(out[root], [root], rest, storedValue(fix.value));
    return out;
}

/** The fix lines a `LabConfigError` message prints, in order. */
export function printedFixLines(message: string): string[] {
    return [...message.matchAll(/^ {4}fix: (.*)/gm)].map((m) => m[1]);
}

/**
 * Runs printed fix lines against a raw config, one after another, as a user pasting them would.
 * @param raw the config as given.
 * @param lines fix lines, e.g. from `printedFixLines(error.message)`.
 * @param topLevel how the program reads a top-level key's text (`decodeConfigValue`).
 * @throws Error when a line is not a fix this module prints, or the CLI would refuse it.
 */
export function applyFixLines(raw: Record<string, unknown>, lines: readonly string[], topLevel: (key: string, text: string) => unknown): Record<string, unknown> {
    return lines.flatMap(parseFixLine).reduce((acc, fix) => applyConfigFix(acc, fix, topLevel), raw);
}
