#!/usr/bin/python3
# make_state_fixtures.py: PyTorch 1.13 references for `optiscope trace --state --hessian`.
# Run with /usr/bin/python3 (Debian's python3-torch); it writes tests/fixtures/state_all.csv.
"""Each case runs a real torch.optim optimizer (make_fixtures.make_optimizer) on a float64 p = [x,
y] and records, after every step, every entry of opt.state[p] except 'step' (a 2-vector as
NAME_x, NAME_y; a scalar as NAME), and the Hessian of the objective at p from
torch.autograd.functional.hessian with its eigenvalues (torch.linalg.eigvalsh)."""

import math
import os
import sys

os.environ.setdefault("ATEN_CPU_CAPABILITY", "default")

import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import make_optimizer  # noqa: E402

torch.set_default_dtype(torch.float64)

STEPS = 40
HERE = os.path.dirname(os.path.abspath(__file__))

# An expression and the same function written for torch.
EXPR = "0.5*x^2 + 2*y^2 + 0.3*x*y + 0.1*sin(3*x)*y"


def f(x, y):
    return 0.5 * x ** 2 + 2 * y ** 2 + 0.3 * x * y + 0.1 * torch.sin(3 * x) * y


START = (1.5, -1.0)

# Every optimizer, and the variants whose state differs (torch's optional entries).
CASES = [
    "sgd(lr=0.05)",
    "momentum(lr=0.05)",
    "momentum(lr=0.05,momentum=0.8,dampening=0.3,weight_decay=0.1)",
    "nag(lr=0.05)",
    "adagrad(lr=0.3)",
    "adagrad(lr=0.3,lr_decay=0.1,initial_accumulator_value=0.5)",
    "adadelta(lr=1)",
    "rmsprop(lr=0.01)",
    "rmsprop(lr=0.01,centered=true,momentum=0.5)",
    "adam(lr=0.1)",
    "adam(lr=0.1,amsgrad=true,weight_decay=0.1)",
    "adamw(lr=0.1)",
    "nadam(lr=0.1)",
    "adamax(lr=0.1)",
]


def state_entries(opt, p):
    out = {}
    for key, val in opt.state[p].items():
        if key == "step" or val is None:
            continue
        t = torch.as_tensor(val).reshape(-1).tolist()
        if len(t) == 2:
            out[key + "_x"], out[key + "_y"] = t
        else:
            out[key] = t[0]
    return out


def main():
    lines = ["# made by tests/make_state_fixtures.py with torch %s, float64" % torch.__version__,
             "# expr " + EXPR, "# start %r,%r" % START, "# steps %d" % STEPS]
    for spec in CASES:
        p = torch.tensor(START, requires_grad=True)
        opt = make_optimizer(spec, [p])
        lines.append("# case " + spec)
        for k in range(STEPS + 1):
            x, y = p.detach().tolist()
            h = torch.autograd.functional.hessian(lambda q: f(q[0], q[1]), p.detach())
            lam = torch.linalg.eigvalsh(h).tolist()
            ent = {"x": x, "y": y, "hxx": h[0, 0].item(), "hxy": h[0, 1].item(),
                   "hyy": h[1, 1].item(), "lambda_min": lam[0], "lambda_max": lam[1]}
            ent.update(state_entries(opt, p))
            if not all(math.isfinite(v) for v in ent.values()):
                sys.exit("%s: not finite at step %d" % (spec, k))
            lines.append("%d;" % k + ";".join("%s=%.17g" % kv for kv in sorted(ent.items())))
            if k == STEPS:
                break
            opt.zero_grad()
            f(p[0], p[1]).backward()
            opt.step()
        print(spec, "final", p.detach().tolist())
    with open(os.path.join(HERE, "fixtures", "state_all.csv"), "w") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
