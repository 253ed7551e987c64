#!/usr/bin/env bash
# Builds the lab's guest image: Debian bookworm that boots like a cloud image (partitioned disk,
# GRUB, cloud-init NoCloud, NIC named by MAC through network-config), with everything the lab
# installs already present: openssh, ipvsadm, nginx, tomcat10, NFS server and client,
# keepalived with arping (its split-brain guard), nftables (the fault tests cut VRRP with it),
# dbus, curl and wrk. The scripts still install what is missing, so stock cloud
# images work too. Cached in IMAGE_DIR by a hash of this recipe; rebuilt only when it changes.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

IMAGE_DIR=${LVS_LAB_IMAGE_DIR:-/var/cache/lvs-lab/images}
IMAGE_LINK=$IMAGE_DIR/lvs-lab-bookworm.qcow2
MIRROR=${LVS_LAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
DISK_SIZE=3G
BASE_PACKAGES=systemd-sysv,udev,kmod,linux-image-amd64,initramfs-tools,openssh-server,sudo,iproute2,iputils-ping,curl,ca-certificates,dbus,ipvsadm,nginx,procps,less
EXTRA_PACKAGES=(cloud-init tomcat10 nfs-kernel-server nfs-common keepalived iputils-arping nftables wrk)

recipe=$(sha256sum <"$0" | cut -c1-12)
image=$IMAGE_DIR/lvs-lab-bookworm-$recipe.qcow2
if [[ -f $image ]]; then
    ln -sfn "$(basename "$image")" "$IMAGE_LINK"
    lvs_log "guest image up to date: $image"
    exit 0
fi

mkdir -p "$IMAGE_DIR"
work=$(mktemp -d "$IMAGE_DIR/build.XXXXXX")
rootfs=$work/rootfs
mnt=$work/mnt
disk_loop=''
part_loop=''
cleanup() {
    set +e
    mountpoint -q "$rootfs/proc" && umount "$rootfs/proc"
    mountpoint -q "$mnt" && umount "$mnt"
    [[ -n $part_loop ]] && losetup -d "$part_loop"
    [[ -n $disk_loop ]] && losetup -d "$disk_loop"
    rm -rf "$work"
}
trap cleanup EXIT
started=$SECONDS

lvs_log "debootstrap bookworm (about 90 s)"
debootstrap --variant=minbase --include="$BASE_PACKAGES" bookworm "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 ||
    { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }

# Packages whose maintainer scripts need /proc, installed without starting any service.
mount -t proc proc "$rootfs/proc"
printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${EXTRA_PACKAGES[@]}" >"$work/extra.log" 2>&1 ||
    { tail -n 30 "$work/extra.log" >&2; exit 1; }
chroot "$rootfs" apt-get clean
rm -f "$rootfs/usr/sbin/policy-rc.d"
umount "$rootfs/proc"

# Cloud-image hygiene: no identity baked in, cloud-init owns keys, hostname and network.
: >"$rootfs/etc/machine-id"
rm -f "$rootfs"/etc/ssh/ssh_host_*
echo 'LABEL=lvs-root / ext4 defaults 0 1' >"$rootfs/etc/fstab"
cat >"$rootfs/etc/cloud/cloud.cfg.d/90-lvs-lab.cfg" <<'CFG'
datasource_list: [ NoCloud, None ]
system_info:
  network:
    renderers: [ networkd ]
CFG
chroot "$rootfs" systemctl enable systemd-networkd.service >/dev/null 2>&1
# Saves 7-10 s of boot under TCG; a lab guest's file system is thrown away, not scrubbed.
chroot "$rootfs" systemctl mask e2scrub_reap.service >/dev/null 2>&1
# Services the lab starts itself, on the machines that need them.
for unit in nginx tomcat10 nfs-server keepalived; do
    chroot "$rootfs" systemctl disable "$unit.service" >/dev/null 2>&1 || true
done
kernel=$(basename "$(ls "$rootfs"/boot/vmlinuz-*)")
initrd=$(basename "$(ls "$rootfs"/boot/initrd.img-*)")

lvs_log "making a partitioned, GRUB-bootable disk"
truncate -s "$DISK_SIZE" "$work/disk.raw"
echo 'start=2048, type=83, bootable' | sfdisk -q "$work/disk.raw"
disk_loop=$(losetup -f --show "$work/disk.raw")
# No partition nodes appear for loop devices here: map the partition at its offset.
part_size=$(( $(stat -c %s "$work/disk.raw") - 1048576 ))
part_loop=$(losetup -f --show -o 1048576 --sizelimit "$part_size" "$work/disk.raw")
# Inode tables written now, not by the kernel's lazy init after the mount below: with lazy init,
# files written while mounted (GRUB's core.img and grub.cfg) were seen to land in inodes that the
# group descriptors on disk still counted as unused, so GRUB found no grub.cfg.
mkfs.ext4 -q -L lvs-root -E lazy_itable_init=0,lazy_journal_init=0 -d "$rootfs" "$part_loop"
mkdir -p "$mnt"
mount "$part_loop" "$mnt"
grub-install --target=i386-pc --boot-directory="$mnt/boot" --modules="part_msdos ext2" "$disk_loop" >"$work/grub.log" 2>&1 ||
    { cat "$work/grub.log" >&2; exit 1; }
cat >"$mnt/boot/grub/grub.cfg" <<GRUB
set timeout=0
menuentry 'lvs-lab' {
    search --no-floppy --label --set=root lvs-root
    linux /boot/$kernel root=LABEL=lvs-root ro console=ttyS0,115200n8 net.ifnames=1
    initrd /boot/$initrd
}
GRUB
sync -f "$mnt/boot/grub/grub.cfg"
umount "$mnt"
# A disk GRUB cannot read is a guest stuck at the grub> prompt: refuse it here instead.
if ! e2fsck -fn "$part_loop" >"$work/fsck.log" 2>&1; then
    cat "$work/fsck.log" >&2
    lvs_log "the image's file system is inconsistent after GRUB's install; not keeping it"
    exit 1
fi
losetup -d "$part_loop"; part_loop=''
losetup -d "$disk_loop"; disk_loop=''

qemu-img convert -O qcow2 "$work/disk.raw" "$work/image.qcow2"
mv "$work/image.qcow2" "$image"
ln -sfn "$(basename "$image")" "$IMAGE_LINK"
# Older recipes' images are no longer referenced.
find "$IMAGE_DIR" -maxdepth 1 -name 'lvs-lab-bookworm-*.qcow2' ! -name "$(basename "$image")" -delete
lvs_log "built $image in $((SECONDS - started)) s ($(du -h "$image" | cut -f1))"
