#!/usr/bin/env python3
"""Writes deterministic mutants of one file: bit flips, byte runs, truncations and spliced bytes.

    mutants.py INPUT OUTDIR [--count N] [--seed S]

Mutant i is `OUTDIR/<stem>.m<i>.<ext>`; the same input, count and seed always give the same bytes,
so a mutant that once crashed a reader can be regenerated anywhere (docs/fuzzing.md)."""
import argparse
import os
import random


def mutate(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    kind = rng.randrange(4)
    if kind == 0:                                   # a few bit flips
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(out))
            out[i] ^= 1 << rng.randrange(8)
    elif kind == 1:                                 # a run of one byte value
        start = rng.randrange(len(out))
        length = rng.randint(1, 64)
        out[start:start + length] = bytes([rng.choice([0x00, 0xFF, 0x7F, 0x80])]) * len(out[start:start + length])
    elif kind == 2:                                 # truncated
        del out[rng.randrange(1, len(out)):]
    else:                                           # bytes copied from elsewhere in the file
        length = rng.randint(1, 256)
        source = rng.randrange(len(out))
        target = rng.randrange(len(out))
        piece = out[source:source + length]
        out[target:target + len(piece)] = piece
    return bytes(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("outdir")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    data = open(args.input, "rb").read()
    name = os.path.basename(args.input)
    stem, dot, ext = name.partition(".")
    os.makedirs(args.outdir, exist_ok=True)
    rng = random.Random(f"{args.seed}:{name}")
    for index in range(args.count):
        path = os.path.join(args.outdir, f"{stem}.m{index}{dot}{ext}")
        with open(path, "wb") as handle:
            handle.write(mutate(data, rng))
        print(path)


if __name__ == "__main__":
    main()
