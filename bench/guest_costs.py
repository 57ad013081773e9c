#!/usr/bin/env python3
"""Where a guest's instructions go, per wasm function and per generated C line.

callgrind counts a guest's code as the functions of its aot module (w2c_f<N>, the export wrappers
Z_torvynZ_e<N>), without lines: the module has no line tables. A profiling build compiles modules
with -g and keeps their C beside them (cmake -DTORVYN_AOT_GUEST_DEBUG=ON; the aot cache key changes
with the flag). Run callgrind with instruction addresses, then map them here:

  valgrind --tool=callgrind --dump-instr=yes --dump-line=no --callgrind-out-file=cg.out \\
      --toggle-collect='*component_pipeline*' build/bin/pipeline_bench --benchmark_filter=...
  bench/guest_costs.py cg.out ELEMENTS [MODULE_SUBSTRING [FUNCTION]]

Without a module: instructions per element of every aot module in the profile. With one (a part
of its cache path): per function of that module; with a function too: per line of the generated C
(module.c beside module.so; its loads and stores are the DEFINE_LOAD/DEFINE_STORE lines at the top).
Needs nm and addr2line (binutils).
"""
import bisect
import collections
import re
import subprocess
import sys


def read_profile(path):
    """{object path: {address: instructions}} and {object: {function: lowest address seen}}."""
    names = {"ob": {}, "fn": {}}
    cost = collections.defaultdict(collections.Counter)
    lowest = collections.defaultdict(dict)
    ob = fn = None
    addr = 0
    skip_next = False
    for raw in open(path):
        m = re.match(r"^(c?)(ob|fn)=\((\d+)\)(?: (.*))?$", raw.rstrip("\n"))
        if m:
            called, kind, ident, name = m.groups()
            if name:
                names[kind][ident] = name
            if not called:
                if kind == "ob":
                    ob = names["ob"][ident]
                else:
                    fn = names["fn"][ident]
            continue
        if raw.startswith("calls="):
            skip_next = True  # the next cost line is the call's inclusive cost
            continue
        if raw[:1].isdigit() or raw[:1] in "+-*":
            parts = raw.split()
            pos = parts[0]
            if pos[0] in "+-":
                addr += int(pos, 16) if pos[1:].startswith("0x") else int(pos)
            elif pos != "*":
                addr = int(pos, 16) if pos.startswith("0x") else int(pos)
            if skip_next:
                skip_next = False
                continue
            if ob and ob.endswith("module.so") and len(parts) > 1:
                cost[ob][addr] += int(parts[1])
                if fn:
                    lowest[ob][fn] = min(lowest[ob].get(fn, 1 << 62), addr)
    return cost, lowest


def symbols(so):
    out = subprocess.run(["nm", "-n", so], capture_output=True, text=True, check=True).stdout
    syms = []
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "tTwW":
            syms.append((int(f[0], 16), f[2]))
    return syms


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cost, lowest = read_profile(sys.argv[1])
    per = float(sys.argv[2])
    if len(sys.argv) == 3:
        for ob, c in sorted(cost.items(), key=lambda x: -sum(x[1].values())):
            print(f"{sum(c.values()) / per:9.1f}  {ob}")
        return
    matches = [ob for ob in cost if sys.argv[3] in ob]
    if len(matches) != 1:
        sys.exit(f"{len(matches)} modules in the profile match {sys.argv[3]!r}")
    so = matches[0]
    syms = symbols(so)
    start = {name: a for a, name in syms}
    # The load address: what makes the profile's function entries line up with the symbol table.
    bases = collections.Counter(a - start[f] for f, a in lowest[so].items() if f in start)
    base = bases.most_common(1)[0][0]
    addrs = [a for a, _ in syms]

    def function_of(a):
        return syms[bisect.bisect_right(addrs, a - base) - 1][1]

    by_function = collections.Counter()
    for a, n in cost[so].items():
        by_function[function_of(a)] += n
    if len(sys.argv) == 4:
        for f, n in by_function.most_common(25):
            print(f"{n / per:9.1f}  {f}")
        return
    wanted = sorted(a for a in cost[so] if function_of(a) == sys.argv[4])
    lines = subprocess.run(["addr2line", "-e", so], input="\n".join(hex(a - base) for a in wanted),
                           capture_output=True, text=True, check=True).stdout.splitlines()
    by_line = collections.Counter()
    for a, where in zip(wanted, lines):
        by_line[where.split(" ")[0].rsplit("/", 1)[-1]] += cost[so][a]
    print(f"{by_function[sys.argv[4]] / per:9.1f}  {sys.argv[4]}, by line:")
    for where, n in by_line.most_common(40):
        print(f"{n / per:9.1f}  {where}")


if __name__ == "__main__":
    main()
