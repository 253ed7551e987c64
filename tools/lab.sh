#!/usr/bin/env bash
# Day-to-day commands for a lab in the sandbox.
#   lab.sh [-C PROJECT_DIR] [-s STACK] COMMAND [ARGS...]
#   up [STACK]          start the sandbox and `pulumi up` the stack inside it
#   preview [STACK]     `pulumi preview --diff` inside the sandbox
#   destroy [STACK]     `pulumi destroy`, then stop the sandbox
#   exec CMD...         run a command inside the sandbox's namespace
#   config ARGS...      `pulumi config ARGS` on the stack (the fixes config errors print use it:
#                       config set --path KEY VALUE, config rm --path KEY)
#   status              whether the sandbox is up, the engine, and which command plugin is in use
#   ssh HOST [CMD...]   a shell on a lab machine, or CMD there (as the lab's SSH user)
#   curl [PATH]         GET the VIP from the client, headers shown (X-Lvs-Real-Server names the server)
#   ipvs                each director's IPVS table with stats (ipvsadm -Ln --stats) and rates (--rate)
#   follow [N]          N requests (default 4) from the client: each one's source port and the real
#                       server that answered, then each director's connection entries for them
# The project and stack: -C / LVS_LAB_PROJECT (default: this clone), -s / LVS_LAB_STACK (default:
# default); the state: PULUMI_BACKEND_URL (default: the clone's .lab/state). ssh, curl, ipvs and
# follow read the stack's outputs `hosts`, `hostKeys` and `clientPrivateKey` and its config, and
# reach the guests over SSH from inside the sandbox with only the stack's host keys trusted.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

# The header comment above, as help: on stdout with exit 0 when asked for, on stderr with exit 2
# after a mistake.
help_text() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
}

usage() {
    help_text >&2
    exit 2
}

# The response header nginx names its real server with (components/render/nginx.ts).
REAL_SERVER_HEADER=X-Lvs-Real-Server

project=${LVS_LAB_PROJECT:-$LVS_LAB_REPO}
stack=${LVS_LAB_STACK:-default}

# The pinned engine on the chosen project, outside the sandbox (state and config only).
pulumi_cli() {
    bash "$here/pulumi" -C "$project" --non-interactive "$@"
}

# The pinned engine inside the sandbox, where the lab's libvirtd and addresses live.
engine() {
    bash "$here/sandbox.sh" exec bash "$here/pulumi" -C "$project" --non-interactive "$@" --stack "$stack"
}

# Turns the stack's outputs and config (one JSON object on stdin) into what SSH needs, in DIR:
# `key` (the lab's client key, 0600), `known_hosts` (address and pinned key per machine), `hosts`
# ("name address" lines) and `lab` ("field value" lines: ssh_user, vip, port, client, directors).
DESCRIBE_LAB_JS=$(cat <<'EOF'
const fs = require("fs");
const dir = process.argv[1];
let text = "";
process.stdin.on("data", (c) => (text += c)).on("end", () => {
    const { outputs, config, stack } = JSON.parse(text);
    for (const name of ["hosts", "hostKeys", "clientPrivateKey"]) {
        if (outputs[name] === undefined) {
            console.error(`lvs-lab: stack ${stack} has no output ${name}; is the lab up (lab.sh up)?`);
            process.exit(1);
        }
    }
    const cfg = (key) => { const c = config[`lvs-lab:${key}`]; return c && (c.objectValue ?? c.value); };
    const service = cfg("service") ?? {};
    const directors = [cfg("director"), ...((cfg("ha") ?? {}).peers ?? [])].filter(Boolean).map((d) => d.name);
    fs.writeFileSync(`${dir}/key`, outputs.clientPrivateKey, { mode: 0o600 });
    const pinned = Object.entries(outputs.hostKeys).filter(([name]) => outputs.hosts[name]);
    fs.writeFileSync(`${dir}/known_hosts`, pinned.map(([name, key]) => `${outputs.hosts[name]} ${key}\n`).join(""));
    fs.writeFileSync(`${dir}/hosts`, Object.entries(outputs.hosts).map(([name, ip]) => `${name} ${ip}\n`).join(""));
    const lab = { ssh_user: cfg("sshUser") ?? "lab", vip: service.vip, port: (service.ports ?? [80])[0], client: (cfg("client") ?? {}).name, directors: directors.join(" ") };
    fs.writeFileSync(`${dir}/lab`, Object.entries(lab).map(([k, v]) => `${k} ${v ?? ""}\n`).join(""));
});
EOF
)

declare -A lab=()
conn_dir=

# Reads the stack once and prepares SSH in a private directory that is removed on exit. The
# secrets travel on stdin, never on a command line.
connect() {
    conn_dir=$(mktemp -d "${TMPDIR:-/tmp}/lvs-lab-ssh.XXXXXX")
    trap 'rm -rf "$conn_dir"' EXIT
    local outputs config
    outputs=$(pulumi_cli stack output --json --show-secrets --stack "$stack")
    # --show-secrets: a key with any secret in it (`ha`, once `ha.authPass` is set with --secret)
    # is otherwise shown as {"secret": true}, and the peer directors would go missing.
    config=$(pulumi_cli config --json --show-secrets --stack "$stack")
    printf '{"stack":"%s","outputs":%s,"config":%s}' "$stack" "$outputs" "$config" | node -e "$DESCRIBE_LAB_JS" "$conn_dir"
    local key value
    while read -r key value; do
        lab[$key]=$value
    done <"$conn_dir/lab"
}

# The address of a lab machine by name.
host_ip() {
    local name=$1 ip
    ip=$(awk -v n="$name" '$1 == n { print $2 }' "$conn_dir/hosts")
    if [[ -z $ip ]]; then
        lvs_log "no machine $name in stack $stack; machines: $(awk '{ printf "%s ", $1 }' "$conn_dir/hosts")"
        exit 1
    fi
    echo "$ip"
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
# the real server's name after its address.
follow() {
    local count=$1 client=${lab[client]} client_ip requests
    client_ip=$(host_ip "$client")
    requests=$(lab_ssh "$client" bash -s -- "$(vip_url /)" "$count" "$REAL_SERVER_HEADER" <<<"$FOLLOW_REQUESTS")
    awk -v ip="$client_ip" -v vip="$(vip_url /)" '{ printf "request %s: %s:%s -> %s answered by %s\n", $1, ip, $2, vip, $3 }' <<<"$requests"
    local sources director
    sources=$(awk -v ip="$client_ip" '{ print ip ":" $2 }' <<<"$requests")
    for director in ${lab[directors]}; do
        printf '== %s (%s): ipvsadm -Lnc, these requests only\n' "$director" "$(host_ip "$director")"
        lab_ssh "$director" 'sudo -n ipvsadm -Lnc' | awk -v sources="$sources" -v hosts="$conn_dir/hosts" '
            BEGIN {
                n = split(sources, list, "\n"); for (i = 1; i <= n; i++) mine[list[i]] = 1
                while ((getline line < hosts) > 0) { split(line, h, " "); name[h[2]] = h[1] }
            }
            NR <= 2 { print; next }
            $4 in mine { split($6, dest, ":"); print $0 "  (" (dest[1] in name ? name[dest[1]] : "?") ")" }'
    done
}

for arg in "$@"; do
    case $arg in
        -h | --help) help_text; exit 0 ;;
        -*) ;;
        *) break ;;
    esac
done
while getopts C:s: opt; do
    case $opt in
        C) project=$OPTARG ;;
        s) stack=$OPTARG ;;
        *) usage ;;
    esac
done
shift $((OPTIND - 1))
cmd=${1:-}
shift || true
case $cmd in
    up)
        stack=${1:-$stack}
        bash "$here/sandbox.sh" up
        pulumi_cli stack select --create "$stack" >/dev/null
        engine up --yes
        ;;
    preview)
        stack=${1:-$stack}
        bash "$here/sandbox.sh" up
        pulumi_cli stack select --create "$stack" >/dev/null
        engine preview --diff
        ;;
    destroy)
        stack=${1:-$stack}
        bash "$here/sandbox.sh" up
        engine destroy --yes
        bash "$here/sandbox.sh" down
        ;;
    exec) exec bash "$here/sandbox.sh" exec "$@" ;;
    config) pulumi_cli config "$@" --stack "$stack" ;;
    status)
        bash "$here/sandbox.sh" status
        echo "engine: pulumi $(bash "$here/pulumi" version)"
        case $(cat "$COMMAND_PLUGIN_MARKER" 2>/dev/null) in
            official) echo "command plugin: the official pulumi-resource-command v$COMMAND_VERSION" ;;
            lvs-lab) echo "command plugin: lvs-lab's own pulumi-resource-command v$COMMAND_VERSION (tools/command-provider)" ;;
            *) echo "command plugin: none installed (run 'npm run setup')"; exit 1 ;;
        esac
        ;;
    ssh)
        (($#)) || usage
        connect
        lab_ssh "$@"
        ;;
    curl)
        connect
        # Quoted for the client's shell: a path may hold ? and &.
        lab_ssh "${lab[client]}" curl -sS -m 5 -i "$(printf %q "$(vip_url "${1:-/}")")"
        ;;
    ipvs)
        connect
        ipvs_tables
        ;;
    follow)
        count=${1:-4}
        [[ $count =~ ^[1-9][0-9]*$ ]] || { lvs_log "follow: N must be a positive number, not $count"; exit 2; }
        connect
        follow "$count"
        ;;
    "" | help | -h | --help) help_text ;;
    *)
        lvs_log "unknown command '$cmd'"
        usage
        ;;
esac
