#!/usr/bin/env python3
"""mkimage.py - deterministic test and benchmark images: zero, text-like and random runs."""
import argparse
import random
import sys

WORDS = ("the of and to in is was for on that with as by at from boot kernel "
         "partition device flash image block sector write read verify error "
         "usb host agent target config root system file data log init mount "
         "eMMC NVMe QSPI erase offset length chunk frame stream buffer").split()


def text_pool(rng, size):
    """A few MiB of word salad with line breaks: compresses like logs or configs."""
    out = bytearray()
    while len(out) < size:
        line = " ".join(rng.choices(WORDS, k=rng.randint(4, 14)))
        out += line.encode() + (b"\n" if rng.random() < 0.9 else b";\n")
    return bytes(out[:size])


def parse_size(s):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(s[:-1]) * mult[s[-1].upper()] if s[-1].upper() in mult else int(s)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("output")
    ap.add_argument("size", help="bytes, with K/M/G suffix")
    ap.add_argument("--zero", type=float, default=0.4, help="share of zero runs")
    ap.add_argument("--text", type=float, default=0.3, help="share of text-like runs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--run", default="4M", help="largest run length")
    a = ap.parse_args()
    size, run_max = parse_size(a.size), parse_size(a.run)
    rng = random.Random(a.seed)
    pool = text_pool(rng, 8 << 20)
    done = 0
    with open(a.output, "wb") as f:
        while done < size:
            n = min(size - done, rng.randrange(64 << 10, run_max + 1, 4096))
            r = rng.random()
            if r < a.zero:
                f.write(bytes(n))
            elif r < a.zero + a.text:
                start = rng.randrange(0, len(pool) - n) if n < len(pool) else 0
                f.write(pool[start:start + n].ljust(n, b"\n"))
            else:
                f.write(rng.randbytes(n))
            done += n
    return 0


if __name__ == "__main__":
    sys.exit(main())
