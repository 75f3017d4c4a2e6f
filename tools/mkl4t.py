#!/usr/bin/env python3
"""mkl4t.py - write an L4T-shaped flash package for tests: DIR/flash.idx and its images.

The layout is made up here (it is not a copy of an NVIDIA file) but has the
shape l4t_initrd_flash.sh --no-flash produces: eight comma-separated fields a
line (index, DEVTYPE:INSTANCE:PARTNAME, start, size, file, file size,
attributes, sha1), QSPI partitions (devtype 3), eMMC boot partitions
(devtype 0, one region spanning boot0 then boot1), and GPT devices: the eMMC
user area (1:3) by default, an SD card (6:0) and/or an external disk (9:0) with
--gpt-on, each carrying master_boot_record, primary_gpt, data partitions, and
secondary_gpt last.
primary_gpt and secondary_gpt hold a real GPT made by sgdisk when it is
installed (random bytes otherwise).

  tools/mkl4t.py DIR [--disk-size 64M] [--app-size 8M] [--boot0-size 4M]
                     [--external | --gpt-on emmc,sd,external]
                     [--corrupt-sha1 PARTNAME] [--seed N]
"""
import argparse
import hashlib
import os
import random
import shutil
import subprocess
import sys
import tempfile

LBA = 512
GPT_BYTES = 33 * LBA  # header block + 128 entries of 128 bytes


def size(s):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    s = s.strip().upper().removesuffix("IB").removesuffix("B")
    if s and s[-1] in units:
        return int(s[:-1], 0) * units[s[-1]]
    return int(s, 0)


def make_gpt(disk_size, parts):
    """(LBA 1..33, last 33 LBAs) of a disk holding parts [(name, start, size)]."""
    if not shutil.which("sgdisk"):
        rnd = random.Random(disk_size)
        return rnd.randbytes(GPT_BYTES), rnd.randbytes(GPT_BYTES)
    with tempfile.TemporaryDirectory() as d:
        img = os.path.join(d, "disk.img")
        with open(img, "wb") as f:
            f.truncate(disk_size)
        args = ["sgdisk"]
        for i, (name, start, sz) in enumerate(parts, 1):
            args += ["-n", f"{i}:{start // LBA}:{(start + sz) // LBA - 1}", "-c", f"{i}:{name}"]
        subprocess.run(args + [img], check=True, stdout=subprocess.DEVNULL)
        with open(img, "rb") as f:
            data = f.read()
    return data[LBA:LBA + GPT_BYTES], data[-GPT_BYTES:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--disk-size", type=size, default=64 << 20)
    ap.add_argument("--app-size", type=size, default=8 << 20)
    ap.add_argument("--app-file-size", type=size, default=256 << 10)
    ap.add_argument("--boot0-size", type=size, default=4 << 20)
    ap.add_argument("--external", action="store_true",
                    help="GPT device is external (9:0) instead of the eMMC user area (1:3)")
    ap.add_argument("--gpt-on", default=None,
                    help="comma-separated GPT devices: emmc (1:3), sd (6:0), external (9:0)")
    ap.add_argument("--corrupt-sha1", metavar="PARTNAME", action="append", default=[],
                    help="write a wrong sha1 for PARTNAME (refusal tests)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    os.makedirs(a.dir, exist_ok=True)

    rows = []  # (devtype, instance, name, start, size, file bytes or None, attrs)

    def add(dev, inst, name, start, sz, data, attrs="fixed-<reserved>-0"):
        assert data is None or len(data) <= sz, name
        rows.append((dev, inst, name, start, sz, data, attrs))

    # QSPI: a BCT, two boot stages, one partition left empty
    add(3, 0, "BCT", 0, 256 << 10, rnd.randbytes(7680))
    add(3, 0, "A_mb1", 256 << 10, 256 << 10, rnd.randbytes(100 << 10))
    add(3, 0, "A_MB1_BCT", 512 << 10, 64 << 10, rnd.randbytes(3000))
    add(3, 0, "A_reserved", 576 << 10, 64 << 10, None)
    # eMMC boot region: boot0 then boot1 as one address space; mb2 straddles them
    b0 = a.boot0_size
    add(0, 3, "boot_bct", 0, 64 << 10, rnd.randbytes(4096))
    add(0, 3, "mb2", b0 - (64 << 10), 128 << 10, rnd.randbytes(100 << 10))
    # the GPT device(s)
    devs = {"emmc": (1, 3), "sd": (6, 0), "external": (9, 0)}
    gpt_on = a.gpt_on.split(",") if a.gpt_on else ["external" if a.external else "emmc"]
    # kernel first, APP last (as in NVIDIA's layouts, so APP can grow to the end of the disk)
    kern_start = 1 << 20
    kern_size = 2 << 20
    app_start = kern_start + kern_size
    if app_start + a.app_size + GPT_BYTES > a.disk_size:
        sys.exit(f"mkl4t: --disk-size {a.disk_size} is too small for the layout")
    primary, secondary = make_gpt(a.disk_size, [("kernel", kern_start, kern_size),
                                                ("APP", app_start, a.app_size)])
    for which in gpt_on:
        if which not in devs:
            sys.exit(f"mkl4t: --gpt-on {which}: not one of {', '.join(devs)}")
        dev, inst = devs[which]
        add(dev, inst, "master_boot_record", 0, LBA, None)
        add(dev, inst, "primary_gpt", LBA, GPT_BYTES, primary)
        add(dev, inst, "kernel", kern_start, kern_size, bytes(64 << 10), "fixed-<reserved>-1")
        add(dev, inst, "APP", app_start, a.app_size, rnd.randbytes(a.app_file_size),
            "expand-<reserved>-2")
        add(dev, inst, "secondary_gpt", a.disk_size - GPT_BYTES, GPT_BYTES, secondary)

    names = {r[2] for r in rows}
    for p in a.corrupt_sha1:
        if p not in names:
            sys.exit(f"mkl4t: --corrupt-sha1 {p}: no such partition")
    rows_first = {}
    for r in rows:
        rows_first.setdefault(r[2], r[0])
    lines = []
    for i, (dev, inst, name, start, sz, data, attrs) in enumerate(rows):
        fname, fsize, sha = "", 0, ""
        if data is not None:
            fname = f"{name}.bin" if (dev, name) == (rows_first[name], name) else f"{name}_{dev}.bin"
            fsize = len(data)
            sha = hashlib.sha1(data).hexdigest()
            if name in a.corrupt_sha1:
                sha = hashlib.sha1(data + b"corrupt").hexdigest()
            with open(os.path.join(a.dir, fname), "wb") as f:
                f.write(data)
        lines.append(f"{i}, {dev}:{inst}:{name}, {start}, {sz}, {fname}, {fsize}, {attrs}, {sha}")
    with open(os.path.join(a.dir, "flash.idx"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"mkl4t: {len(rows)} partitions in {os.path.join(a.dir, 'flash.idx')}")


if __name__ == "__main__":
    main()
