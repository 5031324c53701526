#!/usr/bin/python3
# make_fixtures.py: PyTorch 1.13 reference trajectories for tests/test_optim.c and test_sched.c.
# Run with /usr/bin/python3 (Debian's python3-torch); it writes tests/fixtures/optim_*.csv.
"""Each case runs a real torch.optim optimizer (and a real torch.optim.lr_scheduler) on a float64
parameter tensor p = [x, y] minimizing f(p) + l1*|p|_1 + l2*|p|_2^2, the same objective as
`optiscope trace --l1 A --l2 B`. The C tests replay the spec strings written in the headers.
ista (proximal gradient, not in torch.optim) is torch's SGD on f + l2*|p|^2 followed by
torch.nn.functional.softshrink(p, lr * l1)."""

import math
import os
import sys

# Force the portable kernels: torch's AVX2/AVX512 builds may fuse a + b*c into one FMA, which
# the C code (strict C11, no FMA) never does. This must precede `import torch`.
os.environ.setdefault("ATEN_CPU_CAPABILITY", "default")

import torch  # noqa: E402

torch.set_default_dtype(torch.float64)

STEPS = 250
HERE = os.path.dirname(os.path.abspath(__file__))
OUTDIR = os.path.join(HERE, "fixtures")

# ------------------------------------------------------------------------------ functions
# Written the same way in tests/test_optim.c.
FUNCTIONS = {
    "rosenbrock": (
        "(1-x)^2 + 100*(y-x^2)^2",
        lambda x, y: (1 - x) ** 2 + 100 * (y - x ** 2) ** 2,
    ),
    "beale": (
        "(1.5-x+x*y)^2 + (2.25-x+x*y^2)^2 + (2.625-x+x*y^3)^2",
        lambda x, y: (1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2
        + (2.625 - x + x * y ** 3) ** 2,
    ),
}



def hand_gradient(fn, x, y):
    """The gradients test_optim.c writes by hand; used only to reject ill-conditioned cases."""
    if fn == "rosenbrock":
        return [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]
    t1, t2, t3 = 1.5 - x + x * y, 2.25 - x + x * y * y, 2.625 - x + x * y * y * y
    return [2 * t1 * (y - 1) + 2 * t2 * (y * y - 1) + 2 * t3 * (y * y * y - 1),
            2 * t1 * x + 2 * t2 * 2 * x * y + 2 * t3 * 3 * x * y * y]


# A case whose path moves by more than this (relative) when the gradient changes by rounding
# (autograd against hand-written formulas) is too chaotic to pin C against torch at 1e-9.
MAX_SENSITIVITY = 1e-11

# ------------------------------------------------------------------------------ specs


def parse_spec(text):
    """'adam(lr=0.1,amsgrad=true)' -> ('adam', {'lr': '0.1', 'amsgrad': 'true'})"""
    text = text.strip()
    if "(" not in text:
        return text, {}
    name, rest = text.split("(", 1)
    assert rest.endswith(")"), text
    args = {}
    for item in rest[:-1].split(","):
        if item.strip():
            k, v = item.split("=")
            args[k.strip()] = v.strip()
    return name.strip(), args


def to_bool(v):
    return v.lower() in ("true", "1", "yes")


# optiscope's defaults where torch has none (SGD's lr is required in torch).
SGD_LR = 0.01


def make_optimizer(spec, params):
    name, a = parse_spec(spec)
    f = {k: float(v) for k, v in a.items() if k not in ("centered", "amsgrad")}
    wd = f.get("weight_decay")
    betas = (f.get("beta1", 0.9), f.get("beta2", 0.999))
    O = torch.optim
    if name in ("sgd", "ista"):
        return O.SGD(params, lr=f.get("lr", SGD_LR), weight_decay=wd or 0)
    if name in ("momentum", "nag"):
        return O.SGD(params, lr=f.get("lr", SGD_LR), momentum=f.get("momentum", 0.9),
                     dampening=f.get("dampening", 0), weight_decay=wd or 0,
                     nesterov=(name == "nag"))
    if name == "adagrad":
        kw = {k: f[k] for k in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value",
                                "eps") if k in f}
        return O.Adagrad(params, **kw)
    if name == "adadelta":
        kw = {k: f[k] for k in ("lr", "rho", "eps", "weight_decay") if k in f}
        return O.Adadelta(params, **kw)
    if name == "rmsprop":
        kw = {k: f[k] for k in ("lr", "alpha", "eps", "weight_decay", "momentum") if k in f}
        return O.RMSprop(params, centered=to_bool(a.get("centered", "false")), **kw)
    if name in ("adam", "adamw"):
        kw = {k: f[k] for k in ("lr", "eps", "weight_decay") if k in f}
        cls = O.Adam if name == "adam" else O.AdamW
        return cls(params, betas=betas, amsgrad=to_bool(a.get("amsgrad", "false")), **kw)
    if name == "nadam":
        kw = {k: f[k] for k in ("lr", "eps", "weight_decay", "momentum_decay") if k in f}
        return O.NAdam(params, betas=betas, **kw)
    if name == "adamax":
        kw = {k: f[k] for k in ("lr", "eps", "weight_decay") if k in f}
        return O.Adamax(params, betas=betas, **kw)
    raise ValueError("unknown optimizer " + spec)


def make_scheduler(spec, opt):
    """torch's own schedulers; warmup=N is LinearLR(1/N, 1, N-1) chained before the main one."""
    name, a = parse_spec(spec)
    S = torch.optim.lr_scheduler
    warmup = int(a.get("warmup", 0))
    scheds = []
    if warmup > 0:
        scheds.append(S.LinearLR(opt, start_factor=1.0 / warmup, end_factor=1.0,
                                 total_iters=warmup - 1))
    if name == "constant":
        pass
    elif name == "step":
        scheds.append(S.StepLR(opt, step_size=int(a["step_size"]),
                               gamma=float(a.get("gamma", 0.1))))
    elif name == "exponential":
        scheds.append(S.ExponentialLR(opt, gamma=float(a["gamma"])))
    elif name == "cosine":
        # With warmup, torch's recursive CosineAnnealingLR equals the product of the two
        # closed forms only when eta_min = 0 (it would not scale eta_min); the cases keep to that.
        eta_min = float(a.get("eta_min", 0))
        assert warmup == 0 or eta_min == 0, spec
        scheds.append(S.CosineAnnealingLR(opt, T_max=int(a["t_max"]), eta_min=eta_min))
    elif name == "inverse_time":
        d = float(a["decay"])
        if warmup == 0:
            scheds.append(S.LambdaLR(opt, lambda k: 1.0 / (1.0 + d * k)))
        else:
            # LambdaLR overwrites the lr (it is not chainable), so in a chain the same decay is
            # written as its ratio from one step to the next.
            scheds.append(S.MultiplicativeLR(opt, lambda k: (1.0 + d * (k - 1)) / (1.0 + d * k)))
    else:
        raise ValueError("unknown schedule " + spec)
    if not scheds:
        return None
    if len(scheds) == 1:
        return scheds[0]
    return S.ChainedScheduler(scheds)


# ------------------------------------------------------------------------------ cases
R, B = "rosenbrock", "beale"
R0, B0 = (-1.5, 2.0), (1.0, 1.0)

# (case name, function, start, optimizer spec, schedule spec, l1, l2)
CASES = [
    # every optimizer with torch's defaults (sgd family at optiscope's default lr 0.01)
    ("sgd_default", B, B0, "sgd", "constant", 0, 0),
    # (starts where the path ends short of Beale's minimum, where the loss would be near 0 and
    # relative comparisons of it meaningless)
    ("momentum_default", B, (-1.0, 0.0), "momentum", "constant", 0, 0),
    ("nag_default", B, (0.0, -1.0), "nag", "constant", 0, 0),
    ("adagrad_default", R, R0, "adagrad", "constant", 0, 0),
    ("adadelta_default", R, R0, "adadelta", "constant", 0, 0),
    ("rmsprop_default", R, R0, "rmsprop", "constant", 0, 0),
    ("adam_default", R, R0, "adam", "constant", 0, 0),
    ("adamw_default", R, R0, "adamw", "constant", 0, 0),
    ("nadam_default", R, R0, "nadam", "constant", 0, 0),
    ("adamax_default", R, R0, "adamax", "constant", 0, 0),
    # every optimizer with non-default hyperparameters
    ("sgd_custom", R, R0, "sgd(lr=0.0005,weight_decay=0.1)", "constant", 0, 0),
    ("momentum_custom", R, R0, "momentum(lr=0.0003,momentum=0.8,dampening=0.3,weight_decay=0.05)",
     "constant", 0, 0),
    ("nag_custom", R, R0, "nag(lr=0.0002,momentum=0.95,weight_decay=0.01)", "constant", 0, 0),
    ("adagrad_custom", R, R0,
     "adagrad(lr=0.3,lr_decay=0.01,weight_decay=0.02,initial_accumulator_value=0.5,eps=0.001)",
     "constant", 0, 0),
    ("adadelta_custom", R, R0, "adadelta(lr=0.7,rho=0.8,eps=0.0001,weight_decay=0.03)",
     "constant", 0, 0),
    ("rmsprop_custom", R, R0,
     "rmsprop(lr=0.003,alpha=0.9,eps=0.0001,weight_decay=0.01,momentum=0.7,centered=true)",
     "constant", 0, 0),
    ("rmsprop_centered", B, B0, "rmsprop(lr=0.005,centered=true)", "constant", 0, 0),
    ("rmsprop_momentum", B, B0, "rmsprop(lr=0.002,momentum=0.5)", "constant", 0, 0),
    ("adam_custom", R, R0,
     "adam(lr=0.05,beta1=0.8,beta2=0.95,eps=0.001,weight_decay=0.02,amsgrad=true)",
     "constant", 0, 0),
    ("adam_amsgrad", B, B0, "adam(lr=0.05,amsgrad=true)", "constant", 0, 0),
    ("adamw_custom", R, R0,
     "adamw(lr=0.05,beta1=0.85,beta2=0.99,eps=1e-06,weight_decay=0.1,amsgrad=true)",
     "constant", 0, 0),
    ("adamw_lr", B, B0, "adamw(lr=0.02)", "constant", 0, 0),
    ("nadam_custom", R, R0,
     "nadam(lr=0.02,beta1=0.7,beta2=0.9,eps=0.0001,weight_decay=0.01,momentum_decay=0.01)",
     "constant", 0, 0),
    ("adamax_custom", R, R0, "adamax(lr=0.05,beta1=0.8,beta2=0.9,eps=0.001,weight_decay=0.05)",
     "constant", 0, 0),
    # L1 and L2 penalties
    ("sgd_l1", R, R0, "sgd(lr=0.0005)", "constant", 0.5, 0),
    ("adam_l1", B, B0, "adam(lr=0.03)", "constant", 0.3, 0),
    ("momentum_l1", B, B0, "momentum(lr=0.002)", "constant", 0.2, 0),
    ("rmsprop_l1", R, R0, "rmsprop(lr=0.002)", "constant", 1.0, 0),
    ("sgd_l2", R, R0, "sgd(lr=0.0005)", "constant", 0, 0.5),
    ("nag_l2", B, B0, "nag(lr=0.002)", "constant", 0, 0.1),
    ("adagrad_l2", R, R0, "adagrad(lr=0.1)", "constant", 0, 2.0),
    ("adamw_l1_l2", R, R0, "adamw(lr=0.02)", "constant", 0.4, 0.3),
    ("nadam_l1_l2", B, B0, "nadam(lr=0.01)", "constant", 0.1, 0.05),
    # schedules, each with and without warmup
    ("sched_constant_warmup", R, R0, "adam(lr=0.05)", "constant(warmup=10)", 0, 0),
    ("sched_step", R, R0, "momentum(lr=0.0004)", "step(step_size=30,gamma=0.5)", 0, 0),
    ("sched_step_warmup", R, R0, "adam(lr=0.05)", "step(step_size=40,warmup=25)", 0, 0),
    ("sched_exponential", B, B0, "sgd", "exponential(gamma=0.99)", 0, 0),
    ("sched_exponential_warmup", R, R0, "rmsprop", "exponential(gamma=0.98,warmup=20)", 0, 0),
    ("sched_cosine", R, R0, "adam(lr=0.05)", "cosine(t_max=100,eta_min=0.001)", 0, 0),
    ("sched_cosine_warmup", B, B0, "nag", "cosine(t_max=120,warmup=15)", 0, 0),
    ("sched_inverse_time", R, R0, "sgd(lr=0.0008)", "inverse_time(decay=0.05)", 0, 0),
    ("sched_inverse_time_warmup", R, R0, "adagrad(lr=0.5)", "inverse_time(decay=0.02,warmup=12)",
     0, 0),
    # ista: the L1 term as its proximal step (exact zeros), with and without L2 and a schedule
    ("ista_l1", B, B0, "ista(lr=0.01)", "constant", 1.0, 0),
    ("ista_l1_l2", R, R0, "ista(lr=0.0005)", "constant", 0.5, 0.2),
    ("ista_sched", B, B0, "ista(lr=0.02)", "exponential(gamma=0.99)", 2.0, 0),
]


def run_case(name, fn, start, opt_spec, sched_spec, l1, l2):
    expr, f = FUNCTIONS[fn]
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = make_optimizer(opt_spec, [p])
    sched = make_scheduler(sched_spec, opt)
    # ista steps on the smooth part and takes the L1 term as its proximal step
    prox = parse_spec(opt_spec)[0] == "ista"

    def objective(with_l1=True):
        return f(p[0], p[1]) + (l1 if with_l1 else 0) * p.abs().sum() + l2 * (p ** 2).sum()

    def prox_step(t, lr):
        if prox:
            with torch.no_grad():
                t.copy_(torch.nn.functional.softshrink(t, lr * l1))

    # The shadow run takes hand-written gradients, as the C test does.
    shadow = torch.tensor(start, dtype=torch.float64)
    shadow_opt = make_optimizer(opt_spec, [shadow])
    shadow_sched = make_scheduler(sched_spec, shadow_opt)
    sensitivity = 0.0

    lines = [
        "# case " + name,
        "# function " + fn,
        "# expr " + expr,
        "# optimizer " + opt_spec,
        "# schedule " + sched_spec,
        "# l1 %r" % float(l1),
        "# l2 %r" % float(l2),
        "# start %r,%r" % start,
        "# steps %d" % STEPS,
        "# made by tests/make_fixtures.py with torch %s, float64" % torch.__version__,
        "step,x,y,loss,lr",
    ]
    lr = opt.param_groups[0]["lr"]
    for k in range(STEPS + 1):
        opt.zero_grad()
        loss = objective()
        x, y = p.detach().tolist()
        v = loss.item()
        if not all(math.isfinite(t) and abs(t) < 1e3 for t in (x, y, v)):
            sys.exit("%s diverged at step %d: %r %r %r" % (name, k, x, y, v))
        lines.append("%d,%.17g,%.17g,%.17g,%.17g" % (k, x, y, v, lr))
        if k == STEPS:
            break
        if prox:
            opt.zero_grad()
            objective(with_l1=False).backward()
        else:
            loss.backward()
        lr = opt.param_groups[0]["lr"]
        opt.step()
        prox_step(p.data, lr)
        if sched is not None:
            sched.step()
        sx, sy = shadow.tolist()
        g = hand_gradient(fn, sx, sy)
        w1 = 0 if prox else l1
        shadow.grad = torch.tensor([g[i] + w1 * ((v > 0) - (v < 0)) + 2 * l2 * v
                                    for i, v in enumerate((sx, sy))])
        shadow_opt.step()
        prox_step(shadow, lr)
        if shadow_sched is not None:
            shadow_sched.step()
        for a, b in zip(p.detach().tolist(), shadow.tolist()):
            sensitivity = max(sensitivity, abs(a - b) / max(abs(a), abs(b), 1e-6))
    if sensitivity > MAX_SENSITIVITY:
        sys.exit("%s is ill-conditioned: rounding in the gradient moves it by %.3g" %
                 (name, sensitivity))
    path = os.path.join(OUTDIR, "optim_%s.csv" % name)
    with open(path, "w") as out:
        out.write("\n".join(lines) + "\n")
    final = lines[-1].split(",")
    print("%-28s %-10s final x=%-10.5g y=%-10.5g loss=%-10.5g sensitivity %.2g" %
          (name, fn, float(final[1]), float(final[2]), float(final[3]), sensitivity))


def main():
    os.makedirs(OUTDIR, exist_ok=True)
    names = [c[0] for c in CASES]
    assert len(names) == len(set(names))
    for c in CASES:
        run_case(*c)


if __name__ == "__main__":
    main()
