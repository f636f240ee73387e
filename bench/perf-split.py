#!/usr/bin/python3
"""perf-split.py: where a peer thread's time goes, shell against core.

Reads `perf script` output of a recording with call graphs (perf record -e cpu-clock
--call-graph dwarf) and, for the samples of one thread name, charges each sample to the first
frame from the leaf up that is libsrp's or the benchmark's: the core (a symbol of
libsrp-core.a), the shell (any other libsrp symbol) or the application (the benchmark's
own code). Time in GLib, libc, gnutls and the kernel goes to whoever called it; samples with
no such frame are GLib's main loop (poll, wake-ups, dispatching). Kernel time is shown apart.

  perf record -e cpu-clock -F 997 --call-graph dwarf,16384 -o flood.data \\
      _build-release/bench/bench-flood --repeat 1 --rates max --subscribers 1 --seconds 2
  bench/perf-split.py flood.data _build-release/libsrp/core/libsrp-core.a subscriber publisher
"""
import collections
import subprocess
import sys


def core_symbols(archive):
    out = subprocess.run(["nm", "--defined-only", archive], capture_output=True, text=True,
                         check=True).stdout
    return {line.split()[2] for line in out.splitlines()
            if len(line.split()) == 3 and line.split()[1] in "Tt"}


def samples(data, comms):
    """Yields (comm, [(symbol, dso), ...] from the leaf up)."""
    script = subprocess.Popen(["perf", "script", "-i", data, "-F", "comm,ip,sym,dso"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    comm, frames = None, []
    for line in script.stdout:
        line = line.rstrip("\n")
        if not line:
            if comm in comms and frames:
                yield comm, frames
            comm, frames = None, []
        elif not line.startswith(("\t", " ")):
            comm, frames = line.strip(), []
        else:
            parts = line.split(None, 1)
            if len(parts) < 2:
                continue
            rest = parts[1]
            dso = rest[rest.rfind("(") + 1:rest.rfind(")")] if "(" in rest else "?"
            sym = rest[:rest.rfind("(")].strip() if "(" in rest else rest
            sym = sym.split("+0x")[0]
            frames.append((sym, dso))
    if comm in comms and frames:
        yield comm, frames
    script.wait()


# The benchmark's thread bodies: below them is GLib's main loop, not the application.
THREAD_MAINS = {"node_main", "main"}


def classify(frames, core, app_dso):
    for sym, dso in frames:
        base = dso.rsplit("/", 1)[-1]
        if base.startswith("libsrp-1.so"):
            return "core" if sym in core else "shell", sym
        if base == app_dso and sym not in THREAD_MAINS:
            return "app", sym
    return "main loop", None


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    data, archive, comms = sys.argv[1], sys.argv[2], sys.argv[3:]
    core = core_symbols(archive)
    per_comm = {c: {"n": 0, "cat": collections.Counter(), "kernel": collections.Counter(),
                    "leaf": collections.Counter(), "entry": collections.Counter(),
                    "inclusive": collections.Counter()}
                for c in comms}
    app_dso = None
    for comm, frames in samples(data, set(comms)):
        if app_dso is None:
            app_dso = next((d.rsplit("/", 1)[-1] for _, d in reversed(frames)
                            if "bench-" in d), "bench-flood")
        s = per_comm[comm]
        cat, owner = classify(frames, core, app_dso)
        s["n"] += 1
        s["cat"][cat] += 1
        if frames[0][1] == "[kernel.kallsyms]":
            s["kernel"][cat] += 1
        leaf_sym, leaf_dso = frames[0]
        s["leaf"][(cat, leaf_sym, leaf_dso.rsplit("/", 1)[-1])] += 1
        if owner is not None:
            s["entry"][(cat, owner)] += 1
        for sym in {sym for sym, dso in frames if dso.rsplit("/", 1)[-1].startswith("libsrp-1.so")}:
            s["inclusive"][("core" if sym in core else "shell", sym)] += 1
    for comm in comms:
        s = per_comm[comm]
        n = s["n"]
        if n == 0:
            print(f"{comm}: no samples")
            continue
        print(f"\n{comm}: {n} samples")
        for cat in ("core", "shell", "app", "main loop"):
            k = s["cat"][cat]
            print(f"  {cat:10} {100 * k / n:5.1f}%   (kernel {100 * s['kernel'][cat] / n:5.1f}%)")
        print("  top functions (self), charged to:")
        for (cat, sym, dso), k in s["leaf"].most_common(15):
            print(f"    {100 * k / n:5.1f}%  {cat:9}  {sym}  [{dso}]")
        print("  first libsrp frame from the leaf (what the time was spent for):")
        for (cat, sym), k in s["entry"].most_common(12):
            print(f"    {100 * k / n:5.1f}%  {cat:9}  {sym}")
        print("  libsrp functions, inclusive (the samples with them on the stack):")
        for (cat, sym), k in s["inclusive"].most_common(20):
            print(f"    {100 * k / n:5.1f}%  {cat:9}  {sym}")


if __name__ == "__main__":
    main()
