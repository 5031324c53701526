"""compare_trace.py: replays every PyTorch fixture through `optiscope trace` and requires
agreement to 1e-9 relative at every step. A fixture with a schedule is replayed a second time
with the schedule as the optimizer's own (`adam(lr=0.05,schedule=step(30))`) under another
race schedule, which it must override. Usage: compare_trace.py OPTISCOPE FIXTURE_DIR."""
import glob
import os
import subprocess
import sys

REL = 1e-9


def cases(path):
    """Yields (meta, rows) for each `# case` block of a fixture file."""
    meta, rows = None, []
    for line in open(path):
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            key, _, value = line[1:].strip().partition(" ")
            if key == "case":
                if meta is not None:
                    yield meta, rows
                meta, rows = {}, []
            if meta is None:
                meta, rows = {}, []
            meta[key] = value.strip()
        elif line[0].isdigit():
            rows.append([float(v) for v in line.split(",")])
    if meta is not None:
        yield meta, rows


def close(a, b, floor=1e-12):
    return abs(a - b) <= REL * max(abs(a), abs(b), floor)


def own_schedule(optimizer, schedule):
    """'adam(lr=0.05)', 'step(30)' -> 'adam(lr=0.05,schedule=step(30))'"""
    if optimizer.endswith(")"):
        return optimizer[:-1] + ",schedule=" + schedule + ")"
    return optimizer + "(schedule=" + schedule + ")"


def runs(meta):
    """(what, optimizer, race schedule) to replay a case as."""
    sched = meta.get("schedule", "constant")
    yield "", meta["optimizer"], sched
    if sched != "constant":
        yield " (own schedule)", own_schedule(meta["optimizer"], sched), "exponential(gamma=0.5)"


def main():
    exe, fixdir = sys.argv[1], sys.argv[2]
    files = sorted(glob.glob(os.path.join(fixdir, "optim_*.csv")))
    if not files:
        print("no fixtures found in", fixdir)
        return 1
    ncases = bad = 0
    for path in files:
        for (meta, rows), (what, optimizer, sched) in (
                (c, r) for c in cases(path) for r in runs(c[0])):
            ncases += 1
            name = meta.get("case", "?") + what
            args = [exe, "trace", "--expr", meta["expr"], "--optimizer", optimizer,
                    "--start", meta["start"], "--steps", str(len(rows) - 1),
                    "--schedule", sched,
                    "--l1", meta.get("l1", "0"), "--l2", meta.get("l2", "0"),
                    "--domain", "-1000,1000,-1000,1000"]
            out = subprocess.run(args, capture_output=True, text=True)
            if out.returncode != 0:
                print("FAIL", name, "exit", out.returncode, out.stderr.strip())
                bad += 1
                continue
            got = []
            for line in out.stdout.splitlines()[1:]:
                # the label may be quoted and contain commas: take the five numbers before the
                # last field (diverged, 0 on every row here)
                fields = line.rsplit(",", 6)[1:6]
                got.append([float(v) for v in fields])
            if len(got) != len(rows):
                print("FAIL", name, "rows", len(got), "expected", len(rows))
                bad += 1
                continue
            for want, have in zip(rows, got):
                # x, y and lr to 1e-9 relative; the loss, a small difference of large terms
                # near a minimum, to 1e-9 relative or 1e-9 absolute below 1
                if int(want[0]) != int(have[0]) or not (
                        close(want[1], have[1]) and close(want[2], have[2]) and
                        close(want[3], have[3], 1.0) and close(want[4], have[4])):
                    print("FAIL", name, "step", int(want[0]), "want", want,
                          "got", have)
                    bad += 1
                    break
    print(f"compare_trace: {ncases} cases, {bad} failed")
    return 1 if bad or ncases == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
