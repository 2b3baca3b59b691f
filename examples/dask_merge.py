#!/usr/bin/env python3
"""A loss over shards with Dask distributed: losscalc runs once per shard on the cluster's
workers, and `losscalc merge` combines their --json results into the loss of the union,
exactly as one run over every shard would give it.

    python3 examples/dask_merge.py SHARDS [--scheduler ADDRESS] [--workers N] -- ce --weight w.npy

SHARDS is a folder of logits_<i>.npy and labels_<i>.npy (any format losscalc reads, by the
same names); the shards are taken in the order of <i>, as numbers (2 before 10). Without
--scheduler a LocalCluster is started here (a scheduler and N worker processes); with it, the
shards go to that cluster, whose workers must see the same paths (a shared file system) and
have losscalc on their PATH. What follows `--` is losscalc's mode and options; the merged
result is printed as `losscalc merge` prints it (add --json, -q or --markdown after the mode for
those). --expect (with --rtol and --atol) is checked against the merged loss, by merge (exit 1
when it fails); --save-per-sample, --report and --reference are refused (exit 2): each shard would
write its own file over the others', or check its own loss against the union's reference.
"""

import argparse
import re
import subprocess
import sys
from pathlib import Path

from dask.distributed import Client, LocalCluster

# output options belong to the merge; every shard's own result is --json
MERGE_OPTIONS = {"--json", "-q", "--quiet", "--no-color", "--markdown"}
# the check of the merged loss, with its value: merge's, not each shard's
MERGE_VALUES = {"--expect", "--rtol", "--atol"}
# what would go wrong once per shard: a file each, written over the others', or a check of one
# shard against the union
REFUSED = {
    "--save-per-sample": "each shard would write its file over the others'",
    "--report": "each shard would write its page over the others'",
    "--reference": "each shard's losses would be compared with the union's",
}


def split_options(rest):
    """losscalc's arguments as (the shards', merge's); exit 2 with one line for a refused option."""
    shard_args, merge_args = [], []
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg == "--":
            # the shards' operands are the script's: a second -- would make --json an operand
            print("dask_merge.py: --: give losscalc's mode and options after one --, with no operands", file=sys.stderr)
            sys.exit(2)
        name = arg.split("=", 1)[0] if arg.startswith("--") else arg
        if name in REFUSED:
            print(f"dask_merge.py: {name}: {REFUSED[name]}; run losscalc once over every shard for it", file=sys.stderr)
            sys.exit(2)
        if name in MERGE_VALUES:
            if "=" in arg:
                merge_args.append(arg)
            elif i + 1 < len(rest):
                merge_args += [arg, rest[i + 1]]
                i += 1
            else:
                print(f"dask_merge.py: {name} needs a value", file=sys.stderr)
                sys.exit(2)
        elif arg in MERGE_OPTIONS:
            merge_args.append(arg)
        else:
            shard_args.append(arg)
        i += 1
    return shard_args, merge_args


def shard_pairs(folder):
    """(logits, labels) paths of each shard, in the order of the index in their names."""
    pairs = []
    for logits in Path(folder).iterdir():
        m = re.fullmatch(r"logits_(\d+)(\..+)", logits.name)
        if m:
            labels = logits.with_name(f"labels_{m.group(1)}{m.group(2)}")
            if not labels.exists():
                sys.exit(f"dask_merge.py: {logits} has no {labels.name} beside it")
            pairs.append((int(m.group(1)), str(logits.resolve()), str(labels.resolve())))
    if not pairs:
        sys.exit(f"dask_merge.py: no logits_<i> files in {folder}")
    return [(logits, labels) for _, logits, labels in sorted(pairs)]


def run_shard(pair, losscalc_args):
    """On a worker: losscalc over one shard: (its --json result, None), or (None, the line that
    says why losscalc refused it, naming the shard). A refusal is returned, not raised, so that
    the workers do not log it as a failed task."""
    logits, labels = pair
    mode, *options = losscalc_args
    done = subprocess.run(["losscalc", mode, logits, labels, *options, "--json"], capture_output=True, text=True)
    # exit 1 is a failed check: the result is still there ("ok": false), and merge says it
    if done.returncode not in (0, 1):
        said = done.stderr.strip().splitlines()
        return None, f"{logits}: {said[-1] if said else f'losscalc exited with {done.returncode}'}"
    return done.stdout, None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("shards", help="folder of logits_<i> and labels_<i> files")
    parser.add_argument("--scheduler", help="address of a running scheduler (default: a LocalCluster)")
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes (default 2)")
    parser.add_argument("losscalc", nargs=argparse.REMAINDER, help="-- then losscalc's mode and options")
    args = parser.parse_args()
    rest = args.losscalc[1:] if args.losscalc[:1] == ["--"] else args.losscalc
    if not rest:
        parser.error("give losscalc's mode after --, e.g. -- ce --weight w.npy")
    shard_args, merge_args = split_options(rest)
    pairs = shard_pairs(args.shards)

    cluster = None if args.scheduler else LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        with Client(args.scheduler or cluster) as client:
            futures = client.map(run_shard, pairs, losscalc_args=shard_args, pure=False)
            # gathered in the order of the shards, whichever worker finished first
            results = client.gather(futures)
    finally:
        if cluster is not None:
            cluster.close()
    refused = [why for _, why in results if why is not None]
    if refused:
        # losscalc's own line for the first shard it refused; exit 2, as losscalc's for bad input
        print(f"dask_merge.py: {refused[0]}", file=sys.stderr)
        sys.exit(2)
    parts = [part for part, _ in results]
    merged = subprocess.run(["losscalc", "merge", "-", *merge_args], input="".join(p if p.endswith("\n") else p + "\n" for p in parts), text=True)
    sys.exit(merged.returncode)


if __name__ == "__main__":
    main()
