"""Writes the PyTorch fixtures of tests/export with a real `torch.save` (run once, by hand; the outputs are
committed, so CI needs no torch — its Linux wheel pulls several GB of CUDA packages):

    python tests/export/make_pt_fixtures.py        # in any env with torch and numpy

DPPO-shaped modules (irom-princeton/dppo `model/diffusion/mlp_diffusion.py` DiffusionMLP,
`model/common/mlp.py` ResidualMLP, `model/common/critic.py` CriticObs), small widths, Avoid dims
(obs 4, act 2, Ta 4). Files:
  pretrain_state.pt   {epoch, model, ema}       (DPPO pre-training checkpoint; ema != model)
  finetune_state.pt   {itr, model}              network.*, actor.* (same module), actor_ft.*, critic.*
  strided_state.pt    a state dict whose first weight is a transposed (non-contiguous) view
  evil_reduce.pt      a pickle whose REDUCE calls os.system (must be refused, never run)
  evil_class.pt       a state dict next to an instance of a custom class (must be refused)
and for each loadable file `<name>.expected.npz`: the tensors of the entry the importer must use
(ema / model / the dict itself), written by numpy from the same torch tensors.
"""
import collections
import math
import os
import sys

import numpy as np
import torch
from torch import nn

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
OBS, ACT, TA, TD, H = 4, 2, 4, 16, 32


class SinusoidalPosEmb(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        half = self.dim // 2
        emb = math.log(10000) / (half - 1)
        emb = torch.exp(torch.arange(half) * -emb)
        emb = x[:, None] * emb[None, :]
        return torch.cat((emb.sin(), emb.cos()), dim=-1)


class TwoLayerPreActivationResNetLinear(nn.Module):
    def __init__(self, h, act):
        super().__init__()
        self.l1 = nn.Linear(h, h)
        self.l2 = nn.Linear(h, h)
        self.act = act


class ResidualMLP(nn.Module):
    def __init__(self, dims, act):
        super().__init__()
        h = dims[1]
        n = (len(dims) - 3) // 2
        self.layers = nn.ModuleList([nn.Linear(dims[0], h)] + [TwoLayerPreActivationResNetLinear(h, act) for _ in range(n)] + [nn.Linear(h, dims[-1])])


class DiffusionMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.time_embedding = nn.Sequential(SinusoidalPosEmb(TD), nn.Linear(TD, 2 * TD), nn.Mish(), nn.Linear(2 * TD, TD))
        self.mlp_mean = ResidualMLP([TA * ACT + TD + OBS, H, H, H, TA * ACT], nn.ReLU())


class CriticObs(nn.Module):
    def __init__(self):
        super().__init__()
        self.Q1 = ResidualMLP([OBS, H, H, H, 1], nn.Mish())


class DiffusionModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.network = DiffusionMLP()


class PPODiffusion(DiffusionModel):
    def __init__(self):
        super().__init__()
        self.actor = self.network  # DPPO registers the frozen base twice
        self.actor_ft = DiffusionMLP()
        self.actor_ft.load_state_dict(self.actor.state_dict())
        self.critic = CriticObs()


def perturb(module, scale, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(scale * torch.randn(p.shape, generator=g))


def expected(name, state):
    np.savez(os.path.join(HERE, f"{name}.expected.npz"), **{k: v.detach().contiguous().numpy() for k, v in state.items()})


class Config:
    """A custom class: its instance pickles as GLOBAL __main__.Config."""

    def __init__(self):
        self.lr = 1e-3


class Evil:
    def __reduce__(self):
        return (os.system, ("echo this must never run",))


def main():
    os.makedirs(HERE, exist_ok=True)
    torch.manual_seed(0)
    model = DiffusionModel()
    ema = DiffusionModel()
    ema.load_state_dict(model.state_dict())
    perturb(ema, 0.01, 1)
    torch.save({"epoch": 3000, "model": model.state_dict(), "ema": ema.state_dict()}, os.path.join(HERE, "pretrain_state.pt"))
    expected("pretrain_state", ema.state_dict())

    ft = PPODiffusion()
    perturb(ft.actor_ft, 0.02, 2)
    torch.save({"itr": 10, "model": ft.state_dict()}, os.path.join(HERE, "finetune_state.pt"))
    expected("finetune_state", ft.state_dict())

    sd = collections.OrderedDict(model.state_dict())
    first = next(iter(sd))
    sd[first] = sd[first].t().contiguous().t()  # same values, column-major storage
    assert not sd[first].is_contiguous()
    torch.save(sd, os.path.join(HERE, "strided_state.pt"))
    expected("strided_state", sd)

    torch.save({"model": Evil()}, os.path.join(HERE, "evil_reduce.pt"))
    torch.save({"epoch": 1, "model": model.state_dict(), "config": Config()}, os.path.join(HERE, "evil_class.pt"))
    for f in sorted(os.listdir(HERE)):
        print(f, os.path.getsize(os.path.join(HERE, f)), file=sys.stderr)


if __name__ == "__main__":
    main()
