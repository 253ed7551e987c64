#!/usr/bin/env bash
# Makes the kernel's IPVS table equal to a rules file in ipvsadm-save -n form, printing each change.
set -euo pipefail
rules=${1:?usage: lvs-lab-ipvs-apply RULES_FILE}
modprobe ip_vs
declare -A want_svc=() want_dst=() have_svc=() have_dst=()
# Lines are "-A PROTO VIP:PORT OPTIONS" and "-a PROTO VIP:PORT -r RIP:PORT OPTIONS".
# shellcheck disable=SC2034 # namerefs: svc and dst fill the caller's arrays
load() {
    local -n svc=$1 dst=$2
    local op proto addr rest flag rip
    while read -r op proto addr rest; do
        case $op in
            -A) svc["$proto $addr"]=$rest ;;
            -a) read -r flag rip rest <<<"$rest"
                [[ $flag == -r ]] && dst["$proto $addr $rip"]=$rest ;;
        esac
    done
}
run() {
    echo "ipvsadm $*"
    ipvsadm "$@"
}
load want_svc want_dst <"$rules"
load have_svc have_dst < <(ipvsadm -Sn)
for key in "${!want_svc[@]}"; do
    read -ra vs <<<"$key"
    read -ra opts <<<"${want_svc[$key]}"
    if [[ -z ${have_svc[$key]+set} ]]; then
        run -A "${vs[@]}" "${opts[@]}"
    elif [[ ${have_svc[$key]} != "${want_svc[$key]}" ]]; then
        run -E "${vs[@]}" "${opts[@]}"
    fi
done
for key in "${!have_dst[@]}"; do
    read -r proto addr rip <<<"$key"
    # Servers of a service that goes away leave with it below.
    if [[ -z ${want_dst[$key]+set} && -n ${want_svc["$proto $addr"]+set} ]]; then
        run -d "$proto" "$addr" -r "$rip"
    fi
done
for key in "${!want_dst[@]}"; do
    read -r proto addr rip <<<"$key"
    read -ra opts <<<"${want_dst[$key]}"
    if [[ -z ${have_dst[$key]+set} ]]; then
        run -a "$proto" "$addr" -r "$rip" "${opts[@]}"
    elif [[ ${have_dst[$key]} != "${want_dst[$key]}" ]]; then
        run -e "$proto" "$addr" -r "$rip" "${opts[@]}"
    fi
done
for key in "${!have_svc[@]}"; do
    if [[ -z ${want_svc[$key]+set} ]]; then
        read -ra vs <<<"$key"
        run -D "${vs[@]}"
    fi
done
