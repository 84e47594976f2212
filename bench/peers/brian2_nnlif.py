#!/usr/bin/python3
"""The nnlif population of `kinfire particles`, simulated with Brian 2 (the peer of bench/peers.mjs).

    /usr/bin/python3 bench/peers/brian2_nnlif.py --count 10000 --dt 1e-3 --T 5 --a 1 --b 0.5 \
        --VR 1 --VF 2 --window 2.5 5 --seed 1

Model (dimensionless, time in units of the membrane time; Brian's unit `second` stands for it):

    dV = (−V + b·N(t)) dt + sqrt(2a) dW,   V ≥ VF  →  V = VR,
    N(t) = (spikes in the previous step) / (count·dt)

Coupling: the mean-field feedback b·N is a shared (scalar) variable `Nfb` of the group. A
PopulationRateMonitor (slot 'end') records spikes/(count·dt) of every step; a NetworkOperation in the
slot 'start' of the next step copies that value into `Nfb`, so step n+1 drifts with the N of step n,
exactly as kinfire's feedback does (N0 = 0 for the first step, as kinfire's nnlif). This costs O(1) per
step, where all-to-all Synapses (`on_pre='v += b/count'`) would cost O(count²) memory and would also
add the kick instantly instead of as a drift over the next step.

Integration: Euler–Maruyama (Brian's 'euler', its default for an SDE with additive noise), on the
runtime numpy code-generation target (no C++ compiler needed). kinfire instead takes the exact OU
transition plus a Brownian-bridge crossing correction, so at finite dt the two rates differ; compare
both with the exact mean-field rate (EM misses the crossings inside a step and is biased low).

Initial V: N(v0, sv²) truncated below VF (kinfire's initial law, defaults v0 = 0.5, sv = 0.15).

Prints one JSON object on stdout:
  {rate, rate_se, wall_s, setup_s, neuron_steps_per_s, steps, count, dt, brian_version, method, target, ...}
wall_s times the run after a one-step warm-up (which compiles the numpy code); rate is the mean of N
over the steps in the window, rate_se its batch-means standard error (20 batches, as kinfire).
"""
import argparse
import json
import math
import sys
import time


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--count', type=int, default=10000)
    p.add_argument('--dt', type=float, default=1e-3)
    p.add_argument('--T', type=float, default=5.0)
    p.add_argument('--a', type=float, default=1.0, help='noise a (a0; a1 = 0)')
    p.add_argument('--b', type=float, default=0.5)
    p.add_argument('--VR', type=float, default=1.0)
    p.add_argument('--VF', type=float, default=2.0)
    p.add_argument('--v0', type=float, default=0.5)
    p.add_argument('--sv', type=float, default=0.15)
    p.add_argument('--window', type=float, nargs=2, default=None, metavar=('T0', 'T1'), help='default [T/2, T]')
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--batches', type=int, default=20)
    p.add_argument('--method', default='euler', help="Brian state updater (default 'euler' = Euler–Maruyama)")
    p.add_argument('--target', default='numpy', help="Brian codegen target (default 'numpy')")
    args = p.parse_args()

    try:
        import numpy as np
        import brian2
        from brian2 import (NeuronGroup, Network, NetworkOperation, PopulationRateMonitor, defaultclock, prefs,
                            second, seed as brian_seed)
    except ImportError as e:
        print(json.dumps({'error': f'Brian 2 not found ({e}): apt-get install python3-brian'}))
        return 3

    prefs.codegen.target = args.target
    brian2.BrianLogger.log_level_error()
    t_setup = time.perf_counter()

    steps = max(1, math.ceil(args.T / args.dt - 1e-9))
    dt = args.T / steps  # as kinfire: shortened so that an integer number of steps reaches T
    t0, t1 = args.window if args.window else (args.T / 2, args.T)
    first = max(0, math.ceil(t0 / dt - 1e-9))
    last = min(steps, math.floor(t1 / dt + 1e-9)) - 1
    if last < first + 1:
        print(json.dumps({'error': f'the window [{t0}, {t1}] holds fewer than 2 steps'}))
        return 2

    brian_seed(args.seed)
    np.random.seed(args.seed)
    defaultclock.dt = dt * second
    tau = 1 * second
    eqs = '''
    dv/dt = (-v + b*Nfb)/tau + sqrt(2*a/tau)*xi : 1
    Nfb : 1 (shared)
    '''
    ns = {'tau': tau, 'a': args.a, 'b': args.b, 'VR': args.VR, 'VF': args.VF}
    G = NeuronGroup(args.count, eqs, threshold='v >= VF', reset='v = VR', method=args.method, namespace=ns)

    # initial V: N(v0, sv^2) truncated to v < VF
    v = np.random.normal(args.v0, args.sv, args.count)
    bad = v >= args.VF
    while bad.any():
        v[bad] = np.random.normal(args.v0, args.sv, int(bad.sum()))
        bad = v >= args.VF
    G.v = v
    G.Nfb = 0.0

    prm = PopulationRateMonitor(G)  # slot 'end': spikes/(count*dt) of the step, in 1/second = 1/membrane time
    rate_var = prm.variables['rate']

    def feedback():
        data = rate_var.get_value()  # view of the recorded part, O(1)
        if len(data):
            G.Nfb = data[-1]

    op = NetworkOperation(feedback, when='start', dt=dt * second)
    net = Network(G, prm, op)

    # warm-up: one step compiles the generated code; the timed run is the remaining steps
    net.run(dt * second)
    setup_s = time.perf_counter() - t_setup
    w = time.perf_counter()
    net.run((steps - 1) * dt * second)
    wall = time.perf_counter() - w

    N = np.asarray(prm.rate_, dtype=float)
    if len(N) != steps:
        print(json.dumps({'error': f'recorded {len(N)} steps, expected {steps}'}))
        return 2
    win = N[first:last + 1]
    rate = float(win.mean())
    B = max(2, min(args.batches, len(win)))
    m = len(win) // B
    means = win[:m * B].reshape(B, m).mean(axis=1)
    se = float(means.std(ddof=1) / math.sqrt(B))

    out = {
        'simulator': 'brian2',
        'brian_version': brian2.__version__,
        'method': f"{args.method} (Euler–Maruyama)" if args.method == 'euler' else args.method,
        'target': args.target,
        'count': args.count,
        'dt': dt,
        'T': args.T,
        'steps': steps,
        'window': [t0, t1],
        'seed': args.seed,
        'params': {'a': args.a, 'b': args.b, 'VR': args.VR, 'VF': args.VF, 'v0': args.v0, 'sv': args.sv},
        'coupling': "shared Nfb set each step by a NetworkOperation from a PopulationRateMonitor (N of the previous step)",
        'rate': rate,
        'rate_se': se,
        'N_final': float(N[-1]),
        'wall_s': wall,
        'setup_s': setup_s,
        'neuron_steps_per_s': args.count * (steps - 1) / max(wall, 1e-9),
    }
    print(json.dumps(out))
    return 0


if __name__ == '__main__':
    sys.exit(main())
