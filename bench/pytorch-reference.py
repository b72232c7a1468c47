# PyTorch eager reference for the gpu-check profile: every family at the seed's shapes, serial (the seed's loops)
# vs parallel (the seed's fused rewrite), inference (eval, no_grad) and training (train mode, forward + backward of
# sum(y * R)). fp32, TF32 off, CUDA events; one JSON line per measurement. Run: python3 bench/pytorch-reference.py (npm run bench:gpu does)
import json, sys
import torch, torch.nn as nn

dev = 'cuda'
torch.backends.cudnn.benchmark = True
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
CPG = [5, 3, 4, 2, 6, 3, 2, 4, 3, 3, 2, 3]


def bottleneck(c, p, groups=1, cin=None):
    cin = cin or c
    return nn.ModuleDict(dict(
        conv1=nn.Conv2d(cin, groups * p, 1, bias=False), bn1=nn.BatchNorm2d(groups * p),
        conv2=nn.Conv2d(groups * p, groups * p, 3, padding=1, bias=False, groups=groups), bn2=nn.BatchNorm2d(groups * p),
        conv3=nn.Conv2d(groups * p, groups * c, 1, bias=False, groups=groups), bn3=nn.BatchNorm2d(groups * c)))


def run_bottleneck(m, x, groups=1):
    r = torch.relu
    o = r(m['bn1'](m['conv1'](x))); o = r(m['bn2'](m['conv2'](o))); o = m['bn3'](m['conv3'](o))
    return r(o + (x.repeat(1, groups, 1, 1) if groups > 1 else x))


class BottleSerial(nn.Module):
    def __init__(s, g, c, sq=2):
        super().__init__(); s.b = nn.ModuleList([bottleneck(c, c // sq) for _ in range(g)])

    def forward(s, x):
        return torch.cat([run_bottleneck(b, x) for b in s.b], 1)


class BottlePar(nn.Module):
    def __init__(s, g, c, sq=2):
        super().__init__(); s.g = g; s.b = bottleneck(c, c // sq, g)

    def forward(s, x):
        return run_bottleneck(s.b, x, s.g)


class GmpSerial(nn.Module):
    def __init__(s, g, c):
        super().__init__(); s.g, s.c = g, c

    def forward(s, x):
        return torch.stack([x[:, k * s.c:(k + 1) * s.c].amax((2, 3)) for k in range(s.g)], 1)


class GmpPar(GmpSerial):
    def forward(s, x):
        return x.amax((2, 3)).view(x.size(0), s.g, s.c)


class ReplSerial(nn.Module):
    def __init__(s, g):
        super().__init__(); s.g = g

    def forward(s, x):
        r = x
        for _ in range(s.g - 1):
            r = torch.cat((r, x), 1)
        return r


class ReplPar(ReplSerial):
    def forward(s, x):
        return x.repeat(1, s.g, 1, 1)


class BNSerial(nn.Module):
    def __init__(s, g, c):
        super().__init__(); s.c = c; s.bns = nn.ModuleList([nn.BatchNorm2d(c) for _ in range(g)])

    def forward(s, x):
        return torch.cat([b(x[:, k * s.c:(k + 1) * s.c]) for k, b in enumerate(s.bns)], 1)


class BNPar(nn.Module):
    def __init__(s, g, c):
        super().__init__(); s.bn = nn.BatchNorm2d(g * c)

    def forward(s, x):
        return s.bn(x)


class GLSerial(nn.Module):
    def __init__(s, g, i, o):
        super().__init__(); s.i = i; s.fcs = nn.ModuleList([nn.Linear(i, o) for _ in range(g)])

    def forward(s, x):
        return torch.cat([f(x[:, k * s.i:(k + 1) * s.i]) for k, f in enumerate(s.fcs)], 1)


class GLConv1d(nn.Module):  # the seed's grouped Conv1d, with the input made 3-D
    def __init__(s, g, i, o):
        super().__init__(); s.conv = nn.Conv1d(g * i, g * o, 1, groups=g)

    def forward(s, x):
        return s.conv(x.unsqueeze(-1)).squeeze(-1)


class GLBmm(nn.Module):
    def __init__(s, g, i, o):
        super().__init__(); s.g = g; s.w = nn.Parameter(torch.randn(g, i, o) * .05); s.b = nn.Parameter(torch.zeros(g, o))

    def forward(s, x):
        B = x.size(0)
        return (torch.einsum('bgi,gio->bgo', x.view(B, s.g, -1), s.w) + s.b).reshape(B, -1)


class CLSerial(nn.Module):
    def __init__(s, cpg, gc, cc):
        super().__init__(); s.cpg = cpg; s.fcs = nn.ModuleList([nn.Linear(gc, cc) for _ in range(sum(cpg))])

    def forward(s, x):
        outs, k = [], 0
        for i, n in enumerate(s.cpg):
            for _ in range(n):
                outs.append(s.fcs[k](x[:, i, :])); k += 1
        return torch.stack(outs, 1)


class CLPar(nn.Module):  # seed §4: einsum over the class dimension
    def __init__(s, cpg, gc, cc):
        super().__init__(); n = sum(cpg)
        s.register_buffer('idx', torch.tensor([i for i, k in enumerate(cpg) for _ in range(k)]))
        s.w = nn.Parameter(torch.randn(n, gc, cc) * .05); s.b = nn.Parameter(torch.zeros(n, cc))

    def forward(s, x):
        return torch.einsum('bni,nio->bno', x[:, s.idx, :], s.w) + s.b


class CHSerial(nn.Module):
    def __init__(s, n, cc, r=2):
        super().__init__()
        s.f = nn.ModuleList([nn.ModuleList([nn.Linear(cc, cc // r), nn.Linear(cc // r, cc), nn.Linear(cc, 1)]) for _ in range(n)])

    def forward(s, x):
        outs = []
        for i, (a, b, c) in enumerate(s.f):
            h = x[:, i, :]; outs.append(c(torch.relu(b(torch.relu(a(h))) + h)))
        return torch.cat(outs, 1)


class CHPar(nn.Module):
    def __init__(s, n, cc, r=2):
        super().__init__(); h = cc // r
        s.w1 = nn.Parameter(torch.randn(n, cc, h) * .05); s.b1 = nn.Parameter(torch.zeros(n, h))
        s.w2 = nn.Parameter(torch.randn(n, h, cc) * .05); s.b2 = nn.Parameter(torch.zeros(n, cc))
        s.w3 = nn.Parameter(torch.randn(n, cc) * .05); s.b3 = nn.Parameter(torch.zeros(n))

    def forward(s, x):
        h = torch.relu(torch.einsum('bni,nio->bno', x, s.w1) + s.b1)
        y = torch.relu(torch.einsum('bni,nio->bno', h, s.w2) + s.b2 + x)
        return (y * s.w3).sum(-1) + s.b3


class AHead(nn.Module):
    def __init__(s, par, inc=2048, g=12, gc=512, cpg=CPG, cc=64):
        super().__init__(); s.g, s.gc = g, gc
        s.reduce = nn.Sequential(nn.Conv2d(inc, gc, 1, bias=False), nn.BatchNorm2d(gc), nn.ReLU())
        s.bott = (BottlePar if par else BottleSerial)(g, gc)
        s.gmp = (GmpPar if par else GmpSerial)(g, gc)
        s.cl = (CLPar if par else CLSerial)(cpg, gc, cc)
        s.head = (CHPar if par else CHSerial)(sum(cpg), cc)

    def forward(s, x):
        return s.head(s.cl(s.gmp(s.bott(s.reduce(x)))))


def time_ms(fn, reps=40, warm=8):
    for _ in range(warm):
        fn()
    torch.cuda.synchronize(); ts = []
    for _ in range(reps):
        a, b = torch.cuda.Event(True), torch.cuda.Event(True)
        a.record(); fn(); b.record(); torch.cuda.synchronize(); ts.append(a.elapsed_time(b))
    ts.sort(); return ts[len(ts) // 2]


def bench(family, cfg, impl, m, x):
    m = m.to(dev); x = x.to(dev)
    for mode in ('inference', 'training'):
        if mode == 'inference':
            m.eval()
            def fn():
                with torch.no_grad():
                    m(x)
        else:
            m.train(); xr = x.clone().requires_grad_(True); R = torch.randn_like(m(xr))
            def fn():
                m.zero_grad(set_to_none=True); xr.grad = None
                (m(xr) * R).sum().backward()
        torch.cuda.reset_peak_memory_stats(); base = torch.cuda.memory_allocated()
        ms = time_ms(fn)
        peak = torch.cuda.max_memory_allocated() - base
        print(json.dumps(dict(family=family, config=cfg, impl=impl, mode=mode, median_ms=round(ms, 4), peak_mb=round(peak / 2**20, 1))), flush=True)


B, C, H, W = 32, 512, 14, 14
x4 = lambda c=C: torch.randn(B, c, H, W)
bench('replicate', dict(groups=12), 'serial', ReplSerial(12), x4())
bench('replicate', dict(groups=12), 'parallel', ReplPar(12), x4())
for g in (1, 4, 12):
    bench('bottleneck', dict(groups=g), 'serial', BottleSerial(g, C), x4())
    bench('bottleneck', dict(groups=g), 'parallel', BottlePar(g, C), x4())
bench('gmp', dict(groups=12), 'serial', GmpSerial(12, C), x4(12 * C))
bench('gmp', dict(groups=12), 'parallel', GmpPar(12, C), x4(12 * C))
bench('batchnorm', dict(groups=12), 'serial', BNSerial(12, C), x4(12 * C))
bench('batchnorm', dict(groups=12), 'parallel', BNPar(12, C), x4(12 * C))
for g in (1, 4, 12):
    bench('group-linear', dict(groups=g), 'serial', GLSerial(g, 512, 64), torch.randn(B, g * 512))
    bench('group-linear', dict(groups=g), 'parallel.conv1d', GLConv1d(g, 512, 64), torch.randn(B, g * 512))
    bench('group-linear', dict(groups=g), 'parallel.einsum', GLBmm(g, 512, 64), torch.randn(B, g * 512))
bench('class-linear', {}, 'serial', CLSerial(CPG, 512, 64), torch.randn(B, 12, 512))
bench('class-linear', {}, 'parallel', CLPar(CPG, 512, 64), torch.randn(B, 12, 512))
bench('class-head', {}, 'serial', CHSerial(40, 64), torch.randn(B, 40, 64))
bench('class-head', {}, 'parallel', CHPar(40, 64), torch.randn(B, 40, 64))
bench('attribute-head', dict(groups=12), 'serial', AHead(False), x4(2048))
bench('attribute-head', dict(groups=12), 'parallel', AHead(True), x4(2048))
