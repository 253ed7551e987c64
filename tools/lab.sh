#!/usr/bin/env bash
# The lab command, `npm run lab -- COMMAND` (this file): day-to-day work on the labs in the
# sandbox. Its help is main_help and command_help below (`lab help`, `lab help COMMAND`).
# It reaches a lab through the stack's outputs (`access`: machines, SSH user, VIP, directors;
# `hostKeys`; `clientPrivateKey`), never by re-reading or re-deriving the stack's config.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# lib.sh (paths, versions) is read once the command line is known good: help and mistakes are fast.
repo=$(cd "$here/.." && pwd)

# The response header nginx names its real server with (components/render/nginx.ts).
REAL_SERVER_HEADER=X-Lvs-Real-Server

lab_log() {
    printf 'lab: %s\n' "$*" >&2
}

main_help() {
    cat <<'EOF'
usage: npm run lab -- [-C PROJECT_DIR] [-s STACK] COMMAND [ARGS...]
       (the same as: bash tools/lab.sh [-C PROJECT_DIR] [-s STACK] COMMAND [ARGS...])

Choosing a stack
  use [STACK]         make STACK the stack every command acts on; without STACK, show it
  status              the stacks (config and state), each lab's machines and their state,
                      the sandbox, the engine and the command plugin in use
  config ARGS...      `pulumi config ARGS` on the stack: config set KEY VALUE, config get KEY,
                      config rm KEY (the fix lines config errors print run as printed)

A lab's life
  up [STACK]          start the sandbox and `pulumi up` the stack inside it (and use STACK)
  preview [STACK]     `pulumi preview --diff` inside the sandbox
  stop                shut the lab's machines down; machines, disks and state are kept
  start               start a stopped lab's machines again and wait until each answers SSH
  destroy [STACK]     `pulumi destroy` of STACK only, then stop the sandbox if no lab is left

Watching it work
  curl [PATH]         GET the VIP from the client, headers shown (X-Lvs-Real-Server names the server)
  follow [N]          N requests (default 4) from the client: each one's source port and the real
                      server that answered, then each director's connection entries for them
  ipvs                each director's IPVS table with stats and rates
  logs [-f] HOST      a machine's serial console log (-f: keep following it)
  ssh HOST [CMD...]   a shell on a lab machine, or CMD there (as the lab's SSH user)
  exec CMD...         run a command inside the sandbox, where qemu:///system is its libvirtd

  help [COMMAND]      this help, or one command's (also: COMMAND --help)

The stack: -s STACK, else LVS_LAB_STACK, else the one `lab use` or the last `lab up` chose
(PROJECT_DIR/.lab/current-stack, or LVS_LAB_STATE_HOME/current-stack), else `default`. Every
command names the stack it acts on, on stderr. The project: -C or LVS_LAB_PROJECT (default: this
clone); the state: PULUMI_BACKEND_URL (default: the clone's .lab/state).
Exit status: 0 done, 1 a step or check failed, 2 a mistake in the command line.
EOF
}

# One command's help on stdout; status 1 for a command there is none of.
command_help() {
    case $1 in
        use) cat <<'EOF'
usage: npm run lab -- use [STACK]

Makes STACK the stack every later command acts on, and records it in PROJECT_DIR/.lab/current-stack
(LVS_LAB_STATE_HOME/current-stack when that is set). `up STACK` records its stack too. STACK needs a
config file, stacks/Pulumi.STACK.yaml. Without STACK, prints the stack commands act on now.
-s STACK and LVS_LAB_STACK still win over the recorded stack.
EOF
        ;;
        status) cat <<'EOF'
usage: npm run lab -- status

Lists the project's stacks (stack config files and stacks with state; * marks the one commands act
on), the sandbox, and for each lab that is up its machines: role, address, libvirt domain and the
domain's state (`virsh domstate`, when the sandbox is up). Then the engine's version and the
command plugin in use. Exits 1 when no command plugin is installed.
EOF
        ;;
        config) cat <<'EOF'
usage: npm run lab -- config [set|get|rm] [--path] [--secret] KEY [VALUE]

`pulumi config ARGS --stack STACK` with the project's own engine, PULUMI_HOME and backend (a bare
`pulumi config` reaches another backend). A KEY with a '.' or '[' is a path into the value
(--path is added): config set service.scheduler wrr, config set 'realServers[1].weight' 3.
The stack is created in the state when it has none yet. Every fix line a config error prints
(`npm run lab -- config set --path KEY VALUE`, `... config rm --path KEY`) runs as printed.
EOF
        ;;
        up) cat <<'EOF'
usage: npm run lab -- up [STACK]

Starts the sandbox (a network namespace with its own libvirtd) and runs `pulumi up --yes` of the
stack inside it; the engine lists each resource as it goes. Records STACK as the stack later
commands act on (see `use`). Exits non-zero when the up fails.
EOF
        ;;
        preview) cat <<'EOF'
usage: npm run lab -- preview [STACK]

Starts the sandbox and runs `pulumi preview --diff` of the stack inside it: what `up` would change.
EOF
        ;;
        destroy) cat <<'EOF'
usage: npm run lab -- destroy [STACK]

Runs `pulumi destroy --yes` of the stack inside the sandbox: that stack's machines, network and
pool, nothing of another stack's lab. Then takes the sandbox down when no lab is left in it.
EOF
        ;;
        stop) cat <<'EOF'
usage: npm run lab -- stop

Shuts the stack's machines down (`virsh shutdown`, then `virsh destroy` for any still running after
LVS_LAB_STOP_TIMEOUT seconds, default 120). The machines, their disks and the stack's state are
kept: `start` brings them back.
EOF
        ;;
        start) cat <<'EOF'
usage: npm run lab -- start

Starts the sandbox if it is down, starts the stack's stopped machines (`virsh start`) and waits
until each answers SSH (at most LVS_LAB_START_TIMEOUT seconds, default 600; exit 1 after that).
Every step of the lab is set up again at boot, so the lab works as it did.
EOF
        ;;
        curl) cat <<'EOF'
usage: npm run lab -- curl [PATH]

`curl -i` of http://VIP:PORT/PATH (the first service port) from the client: status, headers
(X-Lvs-Real-Server names the real server that answered) and page. Exits non-zero when the request
fails.
EOF
        ;;
        follow) cat <<'EOF'
usage: npm run lab -- follow [N]

N requests (default 4) from the client through the VIP: each one's source port and the real server
that answered, then each director's `ipvsadm -Lnc` entries for exactly those requests, the real
server named. Exits 1 when every request failed (and says how many failed when some did).
EOF
        ;;
        ipvs) cat <<'EOF'
usage: npm run lab -- ipvs

On each director (the first director, then the HA peers): `ipvsadm -Ln --stats`, then
`ipvsadm -Ln --rate`.
EOF
        ;;
        logs) cat <<'EOF'
usage: npm run lab -- logs [-f] [-n LINES] HOST

Prints a machine's serial console log (virtlogd's file on the host: boot, cloud-init, login
prompt), where a machine that never answers SSH says why. -f keeps following it; -n prints only
the last LINES lines.
EOF
        ;;
        ssh) cat <<'EOF'
usage: npm run lab -- ssh HOST [CMD...]

A shell on a lab machine, or CMD there, as the lab's SSH user with the lab's key, from inside the
sandbox. Only the host key the stack recorded for HOST is trusted (StrictHostKeyChecking=yes, no
user or system SSH config, no agent keys).
EOF
        ;;
        exec) cat <<'EOF'
usage: npm run lab -- exec CMD...

Runs CMD inside the sandbox (its network and mount namespaces, where qemu:///system is the
sandbox's own libvirtd, not a host libvirtd's), e.g. `exec virsh -c qemu:///system list --all`.
Fails when the sandbox is down.
EOF
        ;;
        help) cat <<'EOF'
usage: npm run lab -- help [COMMAND]

The lab command's help, or one command's.
EOF
        ;;
        *) return 1 ;;
    esac
}

# A mistake in the command line: the message, then the usage on stderr, exit 2.
usage_error() {
    lab_log "$*"
    main_help >&2
    exit 2
}

# A mistake in one command's arguments: the message and that command's usage, exit 2.
command_error() {
    local cmd=$1
    shift
    lab_log "$*"
    command_help "$cmd" >&2
    exit 2
}

project=${LVS_LAB_PROJECT:-$repo}
project_opt=
opt_stack=
stack=
stack_from=

# How the user runs the lab command again, for advice (with -C when the project was named so).
lab_command() {
    if [[ -n $project_opt ]]; then echo "npm run lab -- -C $project"; else echo "npm run lab --"; fi
}

# Where the lab command keeps its own state: which stack `use` or the last `up` chose.
state_home() {
    echo "${LVS_LAB_STATE_HOME:-$project/.lab}"
}

valid_stack_name() {
    [[ $1 =~ ^[A-Za-z0-9_.-]+$ ]] || usage_error "not a stack name: '$1' (letters, digits, '_', '.', '-')"
}

# Picks the stack: a stack named on the command line, -s, LVS_LAB_STACK, the recorded one, default.
resolve_stack() {
    local named=${1:-} file
    file=$(state_home)/current-stack
    if [[ -n $named ]]; then
        stack=$named stack_from="named on the command line"
    elif [[ -n $opt_stack ]]; then
        stack=$opt_stack stack_from="-s"
    elif [[ -n ${LVS_LAB_STACK:-} ]]; then
        stack=$LVS_LAB_STACK stack_from="LVS_LAB_STACK"
    elif [[ -s $file ]]; then
        stack=$(<"$file") stack_from="chosen by 'lab use' or the last 'lab up'"
    else
        stack=default stack_from="the default"
    fi
    valid_stack_name "$stack"
}

show_stack() {
    lab_log "stack $stack ($stack_from)"
}

record_stack() {
    local dir
    dir=$(state_home)
    mkdir -p "$dir"
    printf '%s\n' "$stack" >"$dir/current-stack.tmp"
    mv "$dir/current-stack.tmp" "$dir/current-stack"
}

# The directory of the project's stack config files (Pulumi.yaml's stackConfigDir).
stack_config_dir() {
    local dir
    dir=$(awk '/^stackConfigDir:/ { sub(/^stackConfigDir:[ \t]*/, ""); gsub(/["'\'']/, ""); print }' "$project/Pulumi.yaml" 2>/dev/null || true)
    if [[ -n $dir && $dir != . ]]; then echo "$project/$dir"; else echo "$project"; fi
}

# A path inside the project, relative to it.
relative() {
    echo "${1#"$project"/}"
}

# The stacks that have a config file, one name a line.
config_stacks() {
    local f name
    for f in "$(stack_config_dir)"/Pulumi.*.yaml; do
        [[ -e $f ]] || continue
        name=${f##*/Pulumi.}
        echo "${name%.yaml}"
    done
}

# The pinned engine on the chosen project, outside the sandbox (state and config only).
pulumi_cli() {
    bash "$here/pulumi" -C "$project" --non-interactive "$@"
}

# The pinned engine inside the sandbox, where the lab's libvirtd and addresses live.
engine() {
    bash "$here/sandbox.sh" exec bash "$here/pulumi" -C "$project" --non-interactive "$@" --stack "$stack"
}

not_up() {
    lab_log "no lab '$stack' is up: run $(lab_command) up $stack"
    exit 1
}

# Turns the stack's outputs (one JSON object on stdin) into what the commands need, in DIR: `lab`
# ("field value" lines: ssh_user, libvirt_uri, mode, vip, port, client, directors), `machines`
# ("name role ip domain console-log" lines), and when the outputs hold the client key, `key`
# (0600) and `known_hosts` (address and pinned key per machine). Exit 3: no `access` output.
DESCRIBE_LAB_JS=$(cat <<'EOF'
const fs = require("fs");
const dir = process.argv[1];
let text = "";
process.stdin.on("data", (c) => (text += c)).on("end", () => {
    const { access, hostKeys, clientPrivateKey } = JSON.parse(text || "{}");
    if (!access || !Array.isArray(access.machines)) process.exit(3);
    const lab = {
        ssh_user: access.sshUser, libvirt_uri: access.libvirtUri, network: access.network, mode: access.mode,
        vip: access.vip, port: access.ports[0], client: access.client, directors: access.directors.join(" "),
    };
    fs.writeFileSync(`${dir}/lab`, Object.entries(lab).map(([k, v]) => `${k} ${v ?? ""}\n`).join(""));
    fs.writeFileSync(`${dir}/machines`, access.machines.map((m) => `${m.name} ${m.role} ${m.ip} ${m.domainName} ${m.consoleLog}\n`).join(""));
    if (clientPrivateKey !== undefined) {
        fs.writeFileSync(`${dir}/key`, clientPrivateKey, { mode: 0o600 });
        const pinned = access.machines.filter((m) => hostKeys && hostKeys[m.name]);
        fs.writeFileSync(`${dir}/known_hosts`, pinned.map((m) => `${m.ip} ${hostKeys[m.name]}\n`).join(""));
    }
});
EOF
)

declare -A lab=()
conn_dir=

describe_lab() {
    local json=$1 status=0
    conn_dir=$(mktemp -d "${TMPDIR:-/tmp}/lvs-lab.XXXXXX")
    trap 'rm -rf "$conn_dir"' EXIT
    printf '%s' "$json" | node -e "$DESCRIBE_LAB_JS" "$conn_dir" || status=$?
    ((status != 3)) || not_up
    ((status == 0)) || exit "$status"
    local key value
    while read -r key value; do
        lab[$key]=$value
    done <"$conn_dir/lab"
}

# Reads the stack's outputs: with --ssh all of them, secrets shown (the client key; on stdin to
# node, never on a command line), else only `access` (shown too: it is a secret when it holds a
# config value set with --secret). A stack the engine does not know, or one
# without an `access` output (never up, destroyed, or up by an older lvs-lab), is not up.
read_lab() {
    local err json
    err=$(mktemp "${TMPDIR:-/tmp}/lvs-lab-err.XXXXXX")
    if [[ ${1:-} == --ssh ]]; then
        if ! json=$(pulumi_cli stack output --json --show-secrets --stack "$stack" 2>"$err"); then
            grep -q "no stack named" "$err" && { rm -f "$err"; not_up; }
            cat "$err" >&2
            rm -f "$err"
            exit 1
        fi
    else
        # --show-secrets: `access` is a secret when it holds a config value set with --secret.
        if json=$(pulumi_cli stack output access --json --show-secrets --stack "$stack" 2>"$err"); then
            json="{\"access\":$json}"
        else
            grep -Eq "no stack named|does not have output property" "$err" && { rm -f "$err"; not_up; }
            cat "$err" >&2
            rm -f "$err"
            exit 1
        fi
    fi
    rm -f "$err"
    describe_lab "$json"
}

# A machine's field from the access output: ip, role, domain or log.
machine_field() {
    local name=$1 field=$2 value
    value=$(awk -v n="$name" -v f="$field" '
        $1 == n { print (f == "role" ? $2 : f == "ip" ? $3 : f == "domain" ? $4 : $5); exit }' "$conn_dir/machines")
    if [[ -z $value ]]; then
        lab_log "no machine $name in stack $stack; its machines: $(awk '{ printf "%s%s", sep, $1; sep = " " }' "$conn_dir/machines")"
        exit 1
    fi
    echo "$value"
}

host_ip() {
    machine_field "$1" ip
}

# ssh to a lab machine from inside the sandbox: the lab's key, and only its pinned host key
# (StrictHostKeyChecking=yes against the stack's known_hosts; no user or system SSH config).
lab_ssh() {
    local ip
    ip=$(host_ip "$1")
    shift
    bash "$here/sandbox.sh" exec ssh -F none -i "$conn_dir/key" -o IdentitiesOnly=yes -o BatchMode=yes \
        -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$conn_dir/known_hosts" -o GlobalKnownHostsFile=/dev/null \
        -o ConnectTimeout=10 "${lab[ssh_user]}@$ip" "$@"
}

sandbox_up() {
    [[ $(bash "$here/sandbox.sh" status) == up* ]]
}

# virsh on the lab's libvirt connection, inside the sandbox.
lab_virsh() {
    bash "$here/sandbox.sh" exec virsh -q -c "${lab[libvirt_uri]}" "$@" </dev/null
}

# A domain's state (`running`, `shut off`, ...), or `not defined`.
domain_state() {
    lab_virsh domstate "$1" 2>/dev/null || echo "not defined"
}

# The VIP's URL for a path on the (first) virtual service port.
vip_url() {
    local path=${1:-/}
    [[ $path == /* ]] || path=/$path
    echo "http://${lab[vip]}:${lab[port]}$path"
}

ipvs_tables() {
    local director
    for director in ${lab[directors]}; do
        printf '== %s (%s)\n' "$director" "$(host_ip "$director")"
        lab_ssh "$director" 'sudo -n ipvsadm -Ln --stats && echo && sudo -n ipvsadm -Ln --rate'
    done
}

# Runs on the client: N requests to URL, printing "<n> <source port> <answering server>" each.
FOLLOW_REQUESTS=$(cat <<'EOF'
url=$1 count=$2 header=$3
for i in $(seq "$count"); do
    curl -sS -m 3 -o /dev/null -D - -w 'x-local-port: %{local_port}\n' "$url" | tr -d '\r' |
        awk -F': ' -v i="$i" -v header="$header" '
            tolower($1) == tolower(header) { name = $2 }
            $1 == "x-local-port" { port = $2 }
            END { print i, port, (name == "" ? "error" : name) }'
done
EOF
)

# N requests from the client, then the connection entries each director holds for them, with
# the real server's name after its address. Exit 1 when every request failed.
follow() {
    local count=$1 client=${lab[client]} client_ip requests failed
    client_ip=$(host_ip "$client")
    requests=$(lab_ssh "$client" bash -s -- "$(vip_url /)" "$count" "$REAL_SERVER_HEADER" <<<"$FOLLOW_REQUESTS")
    awk -v ip="$client_ip" -v vip="$(vip_url /)" '{ printf "request %s: %s:%s -> %s answered by %s\n", $1, ip, $2, vip, $3 }' <<<"$requests"
    local sources director
    sources=$(awk -v ip="$client_ip" '{ print ip ":" $2 }' <<<"$requests")
    for director in ${lab[directors]}; do
        printf '== %s (%s): ipvsadm -Lnc, these requests only\n' "$director" "$(host_ip "$director")"
        lab_ssh "$director" 'sudo -n ipvsadm -Lnc' | awk -v sources="$sources" -v machines="$conn_dir/machines" '
            BEGIN {
                n = split(sources, list, "\n"); for (i = 1; i <= n; i++) mine[list[i]] = 1
                while ((getline line < machines) > 0) { split(line, h, " "); name[h[3]] = h[1] }
            }
            NR <= 2 { print; next }
            $4 in mine { split($6, dest, ":"); print $0 "  (" (dest[1] in name ? name[dest[1]] : "?") ")" }'
    done
    failed=$(awk '$3 == "error" { n++ } END { print n + 0 }' <<<"$requests")
    if ((failed == count)); then
        lab_log "every request failed ($count of $count): no server answered through $(vip_url /)"
        exit 1
    elif ((failed > 0)); then
        lab_log "$failed of $count requests failed"
    fi
}

# Prints a machine's serial console log: [-f] [-n LINES] HOST.
logs() {
    local follow_log='' lines='' opt OPTIND=1
    while getopts :fn: opt; do
        case $opt in
            f) follow_log=1 ;;
            n) [[ $OPTARG =~ ^[0-9]+$ ]] || command_error logs "logs: -n needs a number of lines, not '$OPTARG'"; lines=$OPTARG ;;
            :) command_error logs "logs: -$OPTARG needs a value" ;;
            *) command_error logs "logs: unknown option -$OPTARG" ;;
        esac
    done
    shift $((OPTIND - 1))
    (($# == 1)) || command_error logs "logs: name one machine"
    read_lab
    local log
    log=$(machine_field "$1" log)
    if [[ ! -r $log ]]; then
        lab_log "no console log of $1 at $log (has its domain ever started? reading it may need root)"
        exit 1
    fi
    if [[ -n $follow_log ]]; then
        exec tail -n "${lines:-+1}" -F "$log"
    elif [[ -n $lines ]]; then
        tail -n "$lines" "$log"
    else
        cat "$log"
    fi
}

# Shuts the lab's machines down: ACPI shutdown, a bounded wait, then power off what still runs.
stop_lab() {
    read_lab
    if ! sandbox_up; then
        lab_log "the sandbox is down, so no machine of $stack runs"
        return 0
    fi
    local timeout=${LVS_LAB_STOP_TIMEOUT:-120} name role ip domain log state
    local -a running=()
    while read -r name role ip domain log; do
        state=$(domain_state "$domain")
        case $state in
            "shut off") ;;
            "not defined") lab_log "$name: no domain $domain in the sandbox's libvirtd" ;;
            *) running+=("$domain") ;;
        esac
    done <"$conn_dir/machines"
    if ((${#running[@]} == 0)); then
        lab_log "no machine of $stack runs"
        return 0
    fi
    lab_log "shutting down ${#running[@]} machines of $stack (waiting up to $timeout s, then powering off what still runs)"
    for domain in "${running[@]}"; do
        lab_virsh shutdown "$domain" >/dev/null || lab_log "virsh shutdown $domain failed; it is powered off after the wait"
    done
    local started=$SECONDS last=$SECONDS
    local -a left=("${running[@]}")
    while ((${#left[@]})) && ((SECONDS - started < timeout)); do
        sleep 2
        local -a still=()
        for domain in "${left[@]}"; do
            [[ $(domain_state "$domain") == "shut off" ]] || still+=("$domain")
        done
        left=("${still[@]}")
        if ((${#left[@]})) && ((SECONDS - last >= 10)); then
            lab_log "$((${#running[@]} - ${#left[@]})) of ${#running[@]} shut off after $((SECONDS - started)) s; waiting for ${left[*]}"
            last=$SECONDS
        fi
    done
    for domain in "${left[@]}"; do
        lab_log "$domain did not shut down within $timeout s: powering it off (virsh destroy)"
        lab_virsh destroy "$domain" >/dev/null
    done
    lab_log "the machines of $stack are shut off after $((SECONDS - started)) s; machines, disks and state are kept: $(lab_command) start"
}

# Starts the lab's machines again and waits until each answers SSH.
start_lab() {
    read_lab --ssh
    bash "$here/sandbox.sh" up
    local timeout=${LVS_LAB_START_TIMEOUT:-600} name role ip domain log state
    local -a missing=() started_names=()
    while read -r name role ip domain log; do
        state=$(domain_state "$domain")
        case $state in
            running) ;;
            "not defined") missing+=("$name") ;;
            *)
                lab_virsh start "$domain" >/dev/null
                started_names+=("$name")
                ;;
        esac
    done <"$conn_dir/machines"
    if ((${#missing[@]})); then
        lab_log "the sandbox's libvirtd has no domain for ${missing[*]} (the sandbox went down since the lab was up?): run $(lab_command) up $stack"
        exit 1
    fi
    if ((${#started_names[@]})); then
        lab_log "started ${started_names[*]}; waiting up to $timeout s for each machine to answer SSH"
    else
        lab_log "every machine of $stack was running; checking that each answers SSH"
    fi
    local began=$SECONDS
    while read -r name role ip domain log; do
        local last=$SECONDS
        until lab_ssh "$name" true </dev/null >/dev/null 2>&1; do
            if ((SECONDS - began >= timeout)); then
                lab_log "$name ($ip) does not answer SSH after $timeout s; its console: $(lab_command) logs $name"
                exit 1
            fi
            if ((SECONDS - last >= 15)); then
                lab_log "waiting for $name ($ip) to answer SSH: $((SECONDS - began)) s so far"
                last=$SECONDS
            fi
            sleep 2
        done
        lab_log "$name answers SSH ($((SECONDS - began)) s)"
    done <"$conn_dir/machines"
    lab_log "every machine of $stack answers SSH; see it work: $(lab_command) follow"
}

# The stacks with state ("name resources last-update" lines) from the engine.
STACK_LIST_JS='let t="";process.stdin.on("data",(c)=>(t+=c)).on("end",()=>{for(const s of JSON.parse(t||"[]"))console.log(s.name,s.resourceCount??0,s.lastUpdate??"-")})'

status() {
    resolve_stack
    local states config_dir name resources updated cfg marker sandbox
    config_dir=$(stack_config_dir)
    states=$(pulumi_cli stack ls --json 2>/dev/null | node -e "$STACK_LIST_JS" || true)
    echo "project: $project"
    echo "stacks (* = the one commands act on: $stack, $stack_from):"
    while read -r name; do
        [[ -n $name ]] || continue
        marker=" "
        [[ $name == "$stack" ]] && marker="*"
        cfg="no config file"
        [[ -e $config_dir/Pulumi.$name.yaml ]] && cfg="config $(relative "$config_dir/Pulumi.$name.yaml")"
        read -r _ resources updated < <(awk -v n="$name" '$1 == n' <<<"$states") || true
        if [[ -z ${resources:-} ]]; then
            printf '%s %-14s %s; no state\n' "$marker" "$name" "$cfg"
        elif ((resources == 0)); then
            printf '%s %-14s %s; state, no resources (not up)\n' "$marker" "$name" "$cfg"
        else
            printf '%s %-14s %s; state, %s resources (last update %s)\n' "$marker" "$name" "$cfg" "$resources" "$updated"
        fi
        resources=
    done < <({ config_stacks; awk '{ print $1 }' <<<"$states"; } | sort -u)
    sandbox=$(bash "$here/sandbox.sh" status)
    echo "sandbox: $sandbox"
    while read -r name resources _; do
        if [[ -z $name ]] || ((resources == 0)); then continue; fi
        (status_lab "$name" "$sandbox")
    done <<<"$states"
    echo "engine: pulumi $(bash "$here/pulumi" version)"
    case $(cat "$COMMAND_PLUGIN_MARKER" 2>/dev/null) in
        official) echo "command plugin: the official pulumi-resource-command v$COMMAND_VERSION" ;;
        lvs-lab) echo "command plugin: lvs-lab's own pulumi-resource-command v$COMMAND_VERSION (tools/command-provider)" ;;
        *) echo "command plugin: none installed (run 'npm run setup')"; exit 1 ;;
    esac
}

# One lab's machines and their domains' state, for status (run in a subshell: it reads another
# stack's outputs into its own temporary directory).
status_lab() {
    local st=$1 sandbox=$2 json name role ip domain log state
    if ! json=$(pulumi_cli stack output access --json --show-secrets --stack "$st" 2>/dev/null); then
        echo "lab $st: no access output (an up still running, or the lab was brought up by an older lvs-lab): run $(lab_command) up $st"
        return 0
    fi
    describe_lab "{\"access\":$json}"
    echo "lab $st: ${lab[mode]} mode, VIP ${lab[vip]}:${lab[port]}, SSH user ${lab[ssh_user]}, directors ${lab[directors]}"
    while read -r name role ip domain log; do
        if [[ $sandbox == up* ]]; then state=$(domain_state "$domain"); else state="(sandbox down)"; fi
        printf '  %-12s %-11s %-16s %-28s %s\n' "$name" "$role" "$ip" "$domain" "$state"
    done <"$conn_dir/machines"
}

# `use [STACK]`: records the stack, or prints the one in use.
use_stack() {
    if (($# == 0)); then
        resolve_stack
        show_stack
        echo "$stack"
        return 0
    fi
    (($# == 1)) || command_error use "use: name one stack"
    valid_stack_name "$1"
    local config_dir
    config_dir=$(stack_config_dir)
    if [[ ! -e $config_dir/Pulumi.$1.yaml ]]; then
        lab_log "no stack '$1' in $project: no $(relative "$config_dir/Pulumi.$1.yaml"); its stacks: $(config_stacks | awk '{ printf "%s%s", sep, $1; sep = " " }')"
        exit 1
    fi
    stack=$1 stack_from="named on the command line"
    record_stack
    lab_log "commands act on stack $stack from now on (recorded in $(state_home)/current-stack)"
    [[ -z ${LVS_LAB_STACK:-} || $LVS_LAB_STACK == "$stack" ]] || lab_log "but LVS_LAB_STACK=$LVS_LAB_STACK wins while it is set"
}

# `config ARGS...`: pulumi config on the stack, --path added for a key path.
config_cmd() {
    local -a args=("$@")
    local verb=${args[0]:-}
    if [[ $verb == set || $verb == get || $verb == rm ]]; then
        local a has_path='' key=''
        for a in "${args[@]:1}"; do
            [[ $a == --path ]] && has_path=1
            [[ -z $key && $a != -* ]] && key=$a
        done
        if [[ -z $has_path && $key == *[.[]* ]]; then
            args=("${args[0]}" --path "${args[@]:1}")
        fi
    fi
    # A stack with no state yet (a fresh clone, a new stack file) is created first, as `up` does.
    pulumi_cli stack select --create "$stack" >/dev/null
    pulumi_cli config "${args[@]}" --stack "$stack"
}

# Options before the command; -h/--help there prints the help.
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    case ${args[i]} in
        -h | --help) main_help; exit 0 ;;
        -C | -s) i=$((i + 1)) ;;
        --) break ;;
        -*) ;;
        *) break ;;
    esac
done
while getopts :C:s: opt; do
    case $opt in
        C) project=$OPTARG project_opt=1 ;;
        s) opt_stack=$OPTARG ;;
        :) usage_error "option -$OPTARG needs a value" ;;
        *) usage_error "unknown option -$OPTARG" ;;
    esac
done
shift $((OPTIND - 1))
cmd=${1:-}
shift || true

case $cmd in
    "" | help | -h | --help)
        if [[ $cmd == help && ( ${1:-} == -h || ${1:-} == --help ) ]]; then
            command_help help
        elif [[ $cmd == help && $# -gt 0 ]]; then
            command_help "$1" || usage_error "unknown command '$1'"
        else
            main_help
        fi
        exit 0
        ;;
esac
command_help "$cmd" >/dev/null || usage_error "unknown command '$cmd'"
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
    command_help "$cmd"
    exit 0
fi

# shellcheck source=lib.sh
source "$here/lib.sh"

# At most N arguments for COMMAND.
at_most() {
    (($2 <= $3)) || command_error "$1" "$1: too many arguments"
}

case $cmd in
    use) use_stack "$@" ;;
    up)
        at_most up $# 1
        resolve_stack "${1:-}"
        show_stack
        lab_log "starting the sandbox"
        bash "$here/sandbox.sh" up
        pulumi_cli stack select --create "$stack" >/dev/null
        record_stack
        lab_log "pulumi up of $stack inside the sandbox (each resource is listed as it is done; a first up takes minutes)"
        engine up --yes
        ;;
    preview)
        at_most preview $# 1
        resolve_stack "${1:-}"
        show_stack
        lab_log "starting the sandbox"
        bash "$here/sandbox.sh" up
        pulumi_cli stack select --create "$stack" >/dev/null
        lab_log "pulumi preview of $stack inside the sandbox"
        engine preview --diff
        ;;
    destroy)
        at_most destroy $# 1
        resolve_stack "${1:-}"
        show_stack
        lab_log "starting the sandbox"
        bash "$here/sandbox.sh" up
        lab_log "pulumi destroy of $stack inside the sandbox"
        engine destroy --yes
        lab_log "taking the sandbox down if no other lab is left in it"
        bash "$here/sandbox.sh" down
        ;;
    exec)
        (($#)) || command_error exec "exec: name a command"
        exec bash "$here/sandbox.sh" exec "$@"
        ;;
    config)
        resolve_stack
        show_stack
        config_cmd "$@"
        ;;
    status)
        at_most status $# 0
        status
        ;;
    stop)
        at_most stop $# 0
        resolve_stack
        show_stack
        stop_lab
        ;;
    start)
        at_most start $# 0
        resolve_stack
        show_stack
        start_lab
        ;;
    logs)
        resolve_stack
        show_stack
        logs "$@"
        ;;
    ssh)
        (($#)) || command_error ssh "ssh: name a machine"
        resolve_stack
        show_stack
        read_lab --ssh
        lab_ssh "$@"
        ;;
    curl)
        at_most curl $# 1
        resolve_stack
        show_stack
        read_lab --ssh
        # Quoted for the client's shell: a path may hold ? and &.
        lab_ssh "${lab[client]}" curl -sS -m 5 -i "$(printf %q "$(vip_url "${1:-/}")")"
        ;;
    ipvs)
        at_most ipvs $# 0
        resolve_stack
        show_stack
        read_lab --ssh
        ipvs_tables
        ;;
    follow)
        at_most follow $# 1
        count=${1:-4}
        [[ $count =~ ^[1-9][0-9]*$ ]] || command_error follow "follow: N must be a positive number, not '$count'"
        resolve_stack
        show_stack
        read_lab --ssh
        follow "$count"
        ;;
esac
