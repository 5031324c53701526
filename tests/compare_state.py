"""compare_state.py: replays tests/fixtures/state_all.csv (PyTorch 1.13's optimizer state and
Hessians, made by make_state_fixtures.py) through `optiscope trace --state --hessian`: every
state entry torch keeps must be in its column to 1e-9 relative, every column torch has no entry
for must be empty, and the Hessian and its eigenvalues must agree. Usage: compare_state.py
OPTISCOPE FIXTURE_DIR."""
import csv
import io
import os
import subprocess
import sys

REL = 1e-9
STATE = ["momentum_buffer_x", "momentum_buffer_y", "sum_x", "sum_y", "square_avg_x",
         "square_avg_y", "acc_delta_x", "acc_delta_y", "grad_avg_x", "grad_avg_y", "exp_avg_x",
         "exp_avg_y", "exp_avg_sq_x", "exp_avg_sq_y", "max_exp_avg_sq_x", "max_exp_avg_sq_y",
         "exp_inf_x", "exp_inf_y", "mu_product"]
HESS = ["hxx", "hxy", "hyy", "lambda_min", "lambda_max"]


def close(a, b, floor=1e-12):
    return abs(a - b) <= REL * max(abs(a), abs(b), floor)


def load(path):
    meta, cases, cur = {}, [], None
    for line in open(path):
        line = line.strip()
        if line.startswith("# case "):
            cur = (line[7:], [])
            cases.append(cur)
        elif line.startswith("# "):
            key, _, value = line[2:].partition(" ")
            meta[key] = value
        elif line:
            step, _, rest = line.partition(";")
            cur[1].append((int(step), {k: float(v) for k, v in
                                       (kv.split("=") for kv in rest.split(";"))}))
    return meta, cases


def main():
    exe, fixdir = sys.argv[1], sys.argv[2]
    meta, cases = load(os.path.join(fixdir, "state_all.csv"))
    bad = 0
    kinds = set()
    for spec, rows in cases:
        kinds.add(spec.split("(")[0])
        args = [exe, "trace", "--expr", meta["expr"], "--optimizer", spec, "--start",
                meta["start"], "--steps", str(len(rows) - 1), "--state", "--hessian",
                "--domain", "-1000,1000,-1000,1000"]
        out = subprocess.run(args, capture_output=True, text=True)
        if out.returncode != 0:
            print("FAIL", spec, "exit", out.returncode, out.stderr.strip())
            bad += 1
            continue
        got = list(csv.DictReader(io.StringIO(out.stdout)))
        header = out.stdout.splitlines()[0].split(",")
        if header[7:] != STATE + HESS:
            print("FAIL", spec, "columns", header[7:])
            bad += 1
            continue
        if len(got) != len(rows):
            print("FAIL", spec, "rows", len(got), "expected", len(rows))
            bad += 1
            continue
        for (step, want), have in zip(rows, got):
            why = None
            if int(have["step"]) != step:
                why = "step %s" % have["step"]
            for col in ["x", "y"] + STATE + HESS:
                if why:
                    break
                if col not in want:
                    if have[col] != "":
                        why = "%s is %s where torch keeps none" % (col, have[col])
                elif have[col] == "":
                    why = "%s is empty where torch has %r" % (col, want[col])
                elif not close(float(have[col]), want[col],
                               1e-9 if col in HESS else 1e-12):
                    why = "%s = %s, torch %r" % (col, have[col], want[col])
            if why:
                print("FAIL", spec, "step", step, why)
                bad += 1
                break
    print(f"compare_state: {len(cases)} cases ({len(kinds)} optimizers), {bad} failed")
    return 1 if bad or len(kinds) < 10 else 0


if __name__ == "__main__":
    sys.exit(main())
