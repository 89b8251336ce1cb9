"""`dppo export` checked from Python, against real processes (docs/checkpoints.md):

* the exported safetensors loads with the `safetensors` package, and a plain numpy forward pass of DPPO's
  DiffusionMLP ε-network (irom-princeton/dppo `model/diffusion/mlp_diffusion.py`, `model/common/mlp.py`) on
  its tensors reproduces the workbench's own ε (tests/export/eps_reference.mjs) to 1e-5;
* `.pt` files written by `torch.save` (committed fixtures, tests/export/make_pt_fixtures.py) load, and the
  exported safetensors tensors equal the .pt tensors exactly (ema preferred over model);
* `.pt` files written here by a Python pickle writer in torch.save's layout (zip: archive/data.pkl with
  GLOBAL torch._utils._rebuild_tensor_v2 and persistent ids ('storage', torch.FloatStorage, key, 'cpu',
  numel), archive/data/<key>, archive/byteorder, archive/version) load the same way;
* a .pt whose pickle names any other global is refused with an {"error": ...} line naming it, exit 1, no
  stack trace, no output file, and nothing run.
"""
import io
import json
import math
import pickle
import subprocess
import sys
import types
import zipfile
from pathlib import Path

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import load_file

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def dppo(*args: str, check: bool = True) -> tuple[int, list[dict], str]:
    proc = subprocess.run(["node", "bin/dppo.mjs", *args, "--json"], cwd=ROOT, capture_output=True, text=True, timeout=180)
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    if check:
        assert proc.returncode == 0, f"dppo {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    return proc.returncode, lines, proc.stderr


# ---- numpy forward pass of DPPO's DiffusionMLP -------------------------------------------------------


def mish(x):
    return x * np.tanh(np.logaddexp(0.0, x))


ACT = {"relu": lambda x: np.maximum(x, 0.0), "mish": mish, "tanh": np.tanh}


def linear(w, key, x):
    return x @ w[f"{key}.weight"].astype(np.float64).T + w[f"{key}.bias"].astype(np.float64)


def eps_numpy(w: dict, cfg: dict, x: np.ndarray, t: np.ndarray, obs: np.ndarray) -> np.ndarray:
    """ε(x_t, t, obs): SinusoidalPosEmb → Linear → Mish → Linear; concat [x, temb, obs] → ResidualMLP (spec §3.1–3.2)."""
    td = cfg["timeDim"]
    half = td // 2
    freqs = np.exp(np.arange(half) * -(math.log(10000) / (half - 1)))
    arg = t[:, None].astype(np.float64) * freqs[None, :]
    emb = np.concatenate([np.sin(arg), np.cos(arg)], axis=1)
    temb = linear(w, "network.time_embedding.3", mish(linear(w, "network.time_embedding.1", emb)))
    h = np.concatenate([x, temb, obs], axis=1)
    act = ACT[cfg["activation"]]
    n_blocks = (len(cfg["mlpDims"]) - 1) // 2
    h = linear(w, "network.mlp_mean.layers.0", h)
    for b in range(1, n_blocks + 1):
        h = h + linear(w, f"network.mlp_mean.layers.{b}.l2", act(linear(w, f"network.mlp_mean.layers.{b}.l1", act(h))))
    return linear(w, f"network.mlp_mean.layers.{n_blocks + 1}", h)


def test_safetensors_export_matches_a_numpy_forward_pass(tmp_path: Path) -> None:
    out = tmp_path / "policy.safetensors"
    dppo("export", "--ckpt", "builtin:avoid-m1/diffusion-mlp", "--format", "safetensors", "--out", str(out))
    weights = load_file(str(out))
    with safe_open(str(out), framework="numpy") as f:
        meta = f.metadata()
    cfg = json.loads(meta["actor_config"])
    norm = json.loads(meta["normalization"])
    assert cfg["kind"] == "diffusion-mlp" and cfg["residualStyle"]
    assert len(norm["obs_min"]) == cfg["obsDim"] and len(norm["action_max"]) == cfg["actionDim"]
    # PyTorch layout: Linear weights [out, in]; the first layer reads [x (Ta·Da), time (td), obs (To·Do)].
    a_flat = cfg["horizonSteps"] * cfg["actionDim"]
    assert weights["network.mlp_mean.layers.0.weight"].shape == (cfg["mlpDims"][0], a_flat + cfg["timeDim"] + cfg["obsDim"] * cfg["condSteps"])
    assert weights["network.time_embedding.1.weight"].shape == (2 * cfg["timeDim"], cfg["timeDim"])

    rng = np.random.default_rng(20261201)
    n = 8
    x = rng.standard_normal((n, a_flat)).astype(np.float32)
    t = np.linspace(0, cfg["denoisingSteps"] - 1, n).round().astype(np.int64)
    obs = rng.uniform(-1, 1, (n, cfg["obsDim"] * cfg["condSteps"])).astype(np.float32)
    inputs = tmp_path / "inputs.json"
    inputs.write_text(json.dumps({"x": x.tolist(), "t": t.tolist(), "obs": obs.tolist()}))
    proc = subprocess.run(["node", "tests/export/eps_reference.mjs", str(out), str(inputs)], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    ours = np.asarray(json.loads(proc.stdout)["eps"], dtype=np.float64)
    theirs = eps_numpy(weights, cfg, x.astype(np.float64), t, obs.astype(np.float64))
    assert ours.shape == theirs.shape == (n, a_flat)
    assert np.max(np.abs(ours - theirs)) <= 1e-5, np.max(np.abs(ours - theirs))


# ---- .pt written by torch.save (committed fixtures) ---------------------------------------------------


def assert_exported_equals(pt: Path, expected: dict, tmp_path: Path, source_key: str) -> dict:
    out = tmp_path / (pt.stem + ".safetensors")
    _, lines, _ = dppo("export", "--ckpt", str(pt), "--format", "safetensors", "--out", str(out), "--task", "avoid-m1")
    summary = lines[-1]
    assert summary["input_format"] == "pt" and summary["source_key"] == source_key
    got = load_file(str(out))
    assert set(expected) <= set(got), sorted(set(expected) - set(got))
    for k, v in expected.items():
        assert got[k].dtype == np.float32 and got[k].shape == v.shape, k
        assert np.array_equal(got[k], v), f"{k} differs"
    return summary


@pytest.mark.parametrize(
    "name, source_key",
    [("pretrain_state", "ema"), ("finetune_state", "model"), ("strided_state", "")],
)
def test_torch_save_fixture_exports_exactly(name: str, source_key: str, tmp_path: Path) -> None:
    expected = dict(np.load(FIXTURES / f"{name}.expected.npz"))
    summary = assert_exported_equals(FIXTURES / f"{name}.pt", expected, tmp_path, source_key)
    assert summary["obs_dim"] == 4 and summary["act_dim"] == 2 and summary["horizon"] == 4


@pytest.mark.parametrize("name, global_name", [("evil_reduce", "posix.system"), ("evil_class", "__main__.Config")])
def test_torch_save_fixture_with_other_globals_is_refused(name: str, global_name: str, tmp_path: Path) -> None:
    out = tmp_path / "never.safetensors"
    code, lines, stderr = dppo("export", "--ckpt", str(FIXTURES / f"{name}.pt"), "--format", "safetensors", "--out", str(out), check=False)
    assert code == 1
    assert f'"{global_name}"' in lines[-1]["error"]
    assert "Traceback" not in stderr and "    at " not in stderr
    assert not out.exists()


# ---- .pt written here in torch.save's layout ---------------------------------------------------------


def fake_torch() -> dict:
    """Module objects named like torch's so pickle writes the same GLOBALs torch.save does."""
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")

    class FloatStorage:
        pass

    FloatStorage.__module__ = "torch"
    FloatStorage.__qualname__ = "FloatStorage"

    def _rebuild_tensor_v2(*args):
        raise AssertionError("never called while pickling")

    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    torch.FloatStorage = FloatStorage
    torch._utils = utils
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    return {"torch": torch, "torch._utils": utils}


class FakeTensor:
    def __init__(self, array: np.ndarray, key: str):
        self.array = np.ascontiguousarray(array, dtype="<f4")
        self.key = key

    def __reduce__(self):
        import collections

        a = self.array
        strides = tuple(s // 4 for s in a.strides)
        storage = ("storage", sys.modules["torch"].FloatStorage, self.key, "cpu", a.size)
        return (sys.modules["torch._utils"]._rebuild_tensor_v2, (StorageRef(storage), 0, a.shape, strides, False, collections.OrderedDict()))


class StorageRef:
    def __init__(self, pid):
        self.pid = pid


class TorchLikePickler(pickle.Pickler):
    def persistent_id(self, obj):
        return obj.pid if isinstance(obj, StorageRef) else None


def write_torch_like(path: Path, obj_builder) -> None:
    mods = fake_torch()
    saved = {k: sys.modules.get(k) for k in mods}
    sys.modules.update(mods)
    try:
        storages: dict[str, np.ndarray] = {}
        obj = obj_builder(storages)
        buf = io.BytesIO()
        TorchLikePickler(buf, protocol=2).dump(obj)
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", buf.getvalue())
        z.writestr("archive/byteorder", "little")
        for key, arr in storages.items():
            z.writestr(f"archive/data/{key}", arr.tobytes())
        z.writestr("archive/version", "3\n")


def dppo_state_dict(rng: np.random.Generator, h: int = 16) -> dict[str, np.ndarray]:
    td, a, o = 16, 8, 4
    shapes = {
        "network.time_embedding.1.weight": (2 * td, td), "network.time_embedding.1.bias": (2 * td,),
        "network.time_embedding.3.weight": (td, 2 * td), "network.time_embedding.3.bias": (td,),
        "network.mlp_mean.layers.0.weight": (h, a + td + o), "network.mlp_mean.layers.0.bias": (h,),
        "network.mlp_mean.layers.1.l1.weight": (h, h), "network.mlp_mean.layers.1.l1.bias": (h,),
        "network.mlp_mean.layers.1.l2.weight": (h, h), "network.mlp_mean.layers.1.l2.bias": (h,),
        "network.mlp_mean.layers.2.weight": (a, h), "network.mlp_mean.layers.2.bias": (a,),
    }
    return {k: rng.standard_normal(s).astype(np.float32) for k, s in shapes.items()}


def test_python_written_torch_layout_loads_and_prefers_ema(tmp_path: Path) -> None:
    import collections

    rng = np.random.default_rng(7)
    model = dppo_state_dict(rng)
    ema = dppo_state_dict(rng)

    def build(storages):
        def sd(weights):
            d = collections.OrderedDict()
            for k, v in weights.items():
                key = str(len(storages))
                storages[key] = np.ascontiguousarray(v, dtype="<f4")
                d[k] = FakeTensor(v, key)
            return d

        return {"epoch": 3000, "model": sd(model), "ema": sd(ema)}

    pt = tmp_path / "state_3000.pt"
    write_torch_like(pt, build)
    assert_exported_equals(pt, ema, tmp_path, "ema")


def test_python_written_pickle_naming_os_system_is_refused_and_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            import os

            return (os.system, (f"touch {marker}",))

    pt = tmp_path / "evil.pt"
    with zipfile.ZipFile(pt, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pickle.dumps({"model": Evil()}, protocol=2))
        z.writestr("archive/version", "3\n")
    code, lines, stderr = dppo("export", "--ckpt", str(pt), "--format", "onnx", "--out", str(tmp_path / "x.onnx"), check=False)
    assert code == 1
    assert "system" in lines[-1]["error"] and "Refused" in lines[-1]["error"]
    assert not marker.exists()
    assert not (tmp_path / "x.onnx").exists()
