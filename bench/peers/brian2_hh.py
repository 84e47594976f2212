#!/usr/bin/python3
"""The Hodgkin–Huxley ensemble of `kinfire neurons` (model "hh"), simulated with Brian 2: the HH peer of
bench/peers.mjs and of `npm run bench`.

    /usr/bin/python3 bench/peers/brian2_hh.py --count 10000 --dt 0.01 --T 50 --I0 0 --I1 20 \
        --initial -64.996 0.0529 0.5961 0.3177

Model (kinfire's `hh`, src/models/neurons/models.ts: V in mV, t in ms, I in µA/cm²; Brian's unit `second`
stands for the ms and the variables are dimensionless, so the equations are kinfire's to the digit):

    C V' = I − gNa m³h (V − ENa) − gK n⁴ (V − EK) − gL (V − EL)
    x'   = a_x(V)(1 − x) − b_x(V) x,   x = m, h, n
    a_m = 0.1 (V+40)/(1 − e^{−(V+40)/10}),  b_m = 4 e^{−(V+65)/18},
    a_h = 0.07 e^{−(V+65)/20},              b_h = 1/(1 + e^{−(V+35)/10}),
    a_n = 0.01 (V+55)/(1 − e^{−(V+55)/10}), b_n = 0.125 e^{−(V+65)/80}
    C = 1, gNa = 120, gK = 36, gL = 0.3, ENa = 50, EK = −77, EL = −54.387

x/(1 − e^{−x/10}) is written 10/exprel(−x/10) (Brian's exprel(y) = (e^y − 1)/y, finite at y = 0), where
kinfire uses a series near x = 0: the same function.

Neuron i of `count` gets I_i = I0 + (I1 − I0)·i/(count − 1) (kinfire's `I: {from, to}`); every neuron starts from
`--initial V m h n` (kinfire passes its computed resting state at I = 0).

Integration: RK4 (Brian's 'rk4' state updater) at dt, as kinfire's default scheme; both in double (Brian)
or single (kinfire's GPU) precision. Spikes: an upward crossing of V = threshold (0 mV), detected at the end
of a step (Brian's threshold with `refractory` = the same condition, so one spike per crossing; no reset).
kinfire detects the same crossings and interpolates their times; the counts per neuron are compared by the
caller.

Prints one JSON object on stdout:
  {counts: [spikes of neuron i], spikes_total, wall_s, setup_s, neuron_steps_per_s, steps, count, dt,
   brian_version, method, target}
wall_s times the run after a one-step warm-up (which generates the numpy code).
"""
import argparse
import json
import math
import time


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--count', type=int, default=10000)
    p.add_argument('--dt', type=float, default=0.01, help='ms')
    p.add_argument('--T', type=float, default=50.0, help='ms')
    p.add_argument('--I0', type=float, default=0.0, help='µA/cm², neuron 0')
    p.add_argument('--I1', type=float, default=20.0, help='µA/cm², the last neuron')
    p.add_argument('--initial', type=float, nargs=4, default=None, metavar=('V', 'm', 'h', 'n'), help='default: the gates at their steady state at V = −65')
    p.add_argument('--threshold', type=float, default=0.0, help='mV')
    p.add_argument('--method', default='rk4', help="Brian state updater (default 'rk4')")
    p.add_argument('--target', default='numpy', help="Brian codegen target (default 'numpy')")
    args = p.parse_args()

    try:
        import numpy as np
        import brian2
        from brian2 import NeuronGroup, Network, SpikeMonitor, defaultclock, prefs, second
    except ImportError as e:
        print(json.dumps({'error': f'Brian 2 not found ({e}): apt-get install python3-brian'}))
        return 3

    prefs.codegen.target = args.target
    brian2.BrianLogger.log_level_error()
    t_setup = time.perf_counter()

    steps = max(1, math.ceil(args.T / args.dt - 1e-9))
    dt = args.T / steps  # as kinfire: T/dt rounded up to whole steps
    defaultclock.dt = dt * second

    eqs = '''
    dv/dt = (I - gNa*m**3*h*(v - ENa) - gK*n**4*(v - EK) - gL*(v - EL)) / C / second : 1
    dm/dt = (am*(1 - m) - bm*m) / second : 1
    dh/dt = (ah*(1 - h) - bh*h) / second : 1
    dn/dt = (an*(1 - n) - bn*n) / second : 1
    am = 0.1 * 10 / exprel(-(v + 40) / 10) : 1
    bm = 4 * exp(-(v + 65) / 18) : 1
    ah = 0.07 * exp(-(v + 65) / 20) : 1
    bh = 1 / (1 + exp(-(v + 35) / 10)) : 1
    an = 0.01 * 10 / exprel(-(v + 55) / 10) : 1
    bn = 0.125 * exp(-(v + 65) / 80) : 1
    I : 1 (constant)
    '''
    namespace = {'C': 1.0, 'gNa': 120.0, 'gK': 36.0, 'gL': 0.3, 'ENa': 50.0, 'EK': -77.0, 'EL': -54.387}
    condition = f'v > {args.threshold!r}'
    group = NeuronGroup(args.count, eqs, threshold=condition, refractory=condition, method=args.method, namespace=namespace)
    if args.initial:
        V, m, h, n = args.initial
    else:
        V = -65.0
        a = lambda x: x / (1 - math.exp(-x / 10))
        am, bm = 0.1 * a(V + 40), 4 * math.exp(-(V + 65) / 18)
        ah, bh = 0.07 * math.exp(-(V + 65) / 20), 1 / (1 + math.exp(-(V + 35) / 10))
        an, bn = 0.01 * a(V + 55), 0.125 * math.exp(-(V + 65) / 80)
        m, h, n = am / (am + bm), ah / (ah + bh), an / (an + bn)
    group.v = V
    group.m = m
    group.h = h
    group.n = n
    group.I = args.I0 + (args.I1 - args.I0) * np.arange(args.count) / max(1, args.count - 1)
    spikes = SpikeMonitor(group, record=False)
    net = Network(group, spikes)
    # warm-up: one step generates and compiles the code; it is part of the run (steps in all = `steps`)
    net.run(dt * second)
    setup_s = time.perf_counter() - t_setup
    t0 = time.perf_counter()
    if steps > 1:
        net.run((steps - 1) * dt * second)
    wall_s = time.perf_counter() - t0
    counts = [int(c) for c in np.asarray(spikes.count)]
    print(json.dumps({
        'counts': counts,
        'spikes_total': int(sum(counts)),
        'wall_s': wall_s,
        'setup_s': setup_s,
        'neuron_steps_per_s': args.count * max(1, steps - 1) / max(wall_s, 1e-9),
        'steps': steps,
        'count': args.count,
        'dt': dt,
        'brian_version': brian2.__version__,
        'method': args.method,
        'target': args.target,
    }))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
