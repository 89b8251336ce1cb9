"""The browser engine's seeded generator (src/core/rng.ts), bit for bit: sfc32 seeded through splitmix32.

The Gym envs draw their reset noise from `Rng(seed)`, so reproducing the generator here makes the bridge's
env i start its k-th episode in the same state as the browser's (seed + i + k*n_envs). `uniform` and
`range` are exact (integer arithmetic and one IEEE multiply-add, as in JavaScript). `normal` uses
Box-Muller with math.log/sqrt/sin/cos: V8's fdlibm-based versions and the C library's may differ in the last
bit for some inputs, so normal draws (HalfCheetah's qvel noise) agree to about 1e-16, not always exactly.
"""
import math

_M = 0xFFFFFFFF


def _imul(a, b):
    # type: (int, int) -> int
    return (a * b) & _M


class Rng(object):
    __slots__ = ("a", "b", "c", "d", "spare")

    def __init__(self, seed):
        # type: (int) -> None
        s = [int(seed) & _M]

        def split():
            # type: () -> int
            s[0] = (s[0] + 0x9E3779B9) & _M
            z = s[0]
            z = _imul(z ^ (z >> 16), 0x85EBCA6B)
            z = _imul(z ^ (z >> 13), 0xC2B2AE35)
            return (z ^ (z >> 16)) & _M

        self.a = split()
        self.b = split()
        self.c = split()
        self.d = split()
        self.spare = None
        for _ in range(12):
            self.next_uint32()

    def next_uint32(self):
        # type: () -> int
        a, b, c, d = self.a, self.b, self.c, self.d
        t = (a + b + d) & _M
        self.d = (d + 1) & _M
        self.a = b ^ (b >> 9)
        self.b = (c + (c << 3)) & _M
        c = ((c << 21) | (c >> 11)) & _M
        self.c = (c + t) & _M
        return t

    def uniform(self):
        # type: () -> float
        return self.next_uint32() / 4294967296.0

    def range(self, lo, hi):
        # type: (float, float) -> float
        return lo + (hi - lo) * self.uniform()

    def normal(self):
        # type: () -> float
        if self.spare is not None:
            v = self.spare
            self.spare = None
            return v
        u = 0.0
        while u == 0.0:
            u = self.uniform()
        v = self.uniform()
        r = math.sqrt(-2.0 * math.log(u))
        self.spare = r * math.sin(2.0 * math.pi * v)
        return r * math.cos(2.0 * math.pi * v)
