#!/usr/bin/env bash
# Does KVM run guests on this host? Boots a tiny guest under KVM, bounded, and says.
#   kvm-probe.sh [--accel kvm|tcg] [--no-cache]
# Prints one line, `usable` or `not usable: WHY`, and exits 0 (usable), 1 (not usable) or 2 (usage).
# The guest is the path every lab guest takes: QEMU's SeaBIOS, then a 512-byte boot sector that
# writes to QEMU's isa-debug-exit port, so QEMU exits with code (0x2a << 1) | 1 = 85. An open
# /dev/kvm proves nothing: on the test bed (docs: testbed) KVM initialises, and a reset vector that
# exits at once even runs, but SeaBIOS hangs under it, as every lab guest would. No disk but the
# boot sector, no network, no display.
# It runs QEMU as the user libvirt runs domains as (LVS_LAB_QEMU_USER, default libvirt-qemu when
# that user exists and we are root), so "usable" means usable by libvirt's domains: a /dev/kvm of
# root 0600 (no udev) is not.
# `--accel tcg` runs the same guest under TCG, which proves the probe itself (tests). A KVM answer
# is cached per boot (the failing probe waits out its bound) under LVS_LAB_CACHE, keyed by the boot
# id, /dev/kvm's owner and mode, the user and QEMU's binary; `--no-cache` probes afresh.
# Used by the program (`libvirt.domainType` auto and kvm, index.ts) and by tools/sandbox.sh (whether
# to hide /dev/kvm from its libvirtd).
set -uo pipefail

ACCEL=kvm
CACHE=yes
while (($#)); do
    case $1 in
        --accel) ACCEL=${2:-}; shift 2 || { echo "usage: $0 [--accel kvm|tcg] [--no-cache]" >&2; exit 2; } ;;
        --no-cache) CACHE=no; shift ;;
        *) echo "usage: $0 [--accel kvm|tcg] [--no-cache]" >&2; exit 2 ;;
    esac
done
[[ $ACCEL == kvm || $ACCEL == tcg ]] || { echo "usage: $0 [--accel kvm|tcg] [--no-cache]" >&2; exit 2; }

# Seconds the guest may take to reach its boot sector: ~0.5 s under TCG here, less under KVM.
BOUND=5
EXIT_CODE=85

say() {
    echo "$1"
    [[ $1 == usable ]]
}

QEMU=$(command -v qemu-system-x86_64) || { say "not usable: qemu-system-x86_64 is not installed"; exit; }
if [[ $ACCEL == kvm && ! -e /dev/kvm ]]; then
    say "not usable: /dev/kvm does not exist"
    exit
fi

RUN_AS=()
user=${LVS_LAB_QEMU_USER-libvirt-qemu}
if [[ $EUID -eq 0 && -n $user ]] && getent passwd "$user" >/dev/null; then
    RUN_AS=(setpriv --reuid "$user" --regid "$(id -g "$user")" --init-groups)
else
    user=$(id -un)
fi

cache_file=''
if [[ $ACCEL == kvm && $CACHE == yes ]]; then
    key="$(cat /proc/sys/kernel/random/boot_id 2>/dev/null) $(stat -c '%u:%g:%a:%t:%T' /dev/kvm) $user $(stat -c '%i:%Y' "$QEMU")"
    cache_dir=${LVS_LAB_CACHE:-$HOME/.cache/lvs-lab}
    cache_file=$cache_dir/kvm-probe
    if [[ -f $cache_file ]] && [[ $(head -n 1 "$cache_file") == "$key" ]]; then
        say "$(sed -n 2p "$cache_file")"
        exit
    fi
fi

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
# mov al, 0x2a; out 0xf4, al; cli; hlt; jmp $ -- then the boot signature at 510.
{
    printf '\xb0\x2a\xe6\xf4\xfa\xf4\xeb\xfe'
    head -c 502 /dev/zero
    printf '\x55\xaa'
} >"$dir/boot.img"
# QEMU opens its disk read-write.
chown "$user" "$dir/boot.img" 2>/dev/null || true

"${RUN_AS[@]}" timeout -k 1 "$BOUND" "$QEMU" -accel "$ACCEL" -machine pc -m 16 -nodefaults -no-user-config \
    -display none -monitor none -serial none -parallel none -net none -no-reboot \
    -drive "file=$dir/boot.img,format=raw,if=ide" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    </dev/null >/dev/null 2>"$dir/err"
rc=$?
case $rc in
    "$EXIT_CODE") result=usable ;;
    124 | 137) result="not usable: a guest under $ACCEL did not reach its boot sector within $BOUND s (it hangs)" ;;
    *) result="not usable: qemu -accel $ACCEL exited $rc: $(grep -v 'warning:' "$dir/err" | tail -n 1)" ;;
esac
if [[ -n $cache_file ]]; then
    mkdir -p "$cache_dir" && printf '%s\n%s\n' "$key" "$result" >"$cache_file.$$" && mv "$cache_file.$$" "$cache_file"
fi
say "$result"
