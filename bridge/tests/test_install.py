"""`pip install ./bridge && dppo-bridge --help` in a fresh virtual environment.

The venv is new and empty; its only link to the outside is a .pth file that puts the dev venv's
site-packages (websockets, numpy, setuptools) on its path, so pip finds the dependencies installed and the
build needs no network (set DPPO_BRIDGE_TEST_PYPI=1 to resolve them from PyPI instead, as a fresh machine
would). --help must work without MuJoCo, Ray, Isaac Gym or franky importable."""
import os
import subprocess
import sys
import sysconfig
import venv

from bridgeproc import BRIDGE_ROOT


def test_pip_install_and_help(tmp_path):
    env_dir = tmp_path / "venv"
    pypi = os.environ.get("DPPO_BRIDGE_TEST_PYPI") == "1"
    # Without PyPI, the dev venv's pip installs into the new one (pip --python): creating a venv with its own
    # pip copy costs more than the rest of the test.
    venv.EnvBuilder(with_pip=pypi).create(str(env_dir))
    py = env_dir / "bin" / "python"
    if not pypi:
        site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True, check=True).stdout.strip()
        with open(os.path.join(site, "dev-venv.pth"), "w") as f:
            f.write(sysconfig.get_paths()["purelib"] + "\n")
    if pypi:
        cmd = [str(py), "-m", "pip", "install", "--disable-pip-version-check", "-q", BRIDGE_ROOT]
    else:
        cmd = [sys.executable, "-m", "pip", "--python", str(py), "install", "--disable-pip-version-check", "-q", "--no-build-isolation", "--no-index", BRIDGE_ROOT]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    exe = env_dir / "bin" / "dppo-bridge"
    r = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=60, cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "--backend {mujoco,isaacgym,franka}" in r.stdout and "--allow-remote" in r.stdout and "--ray ADDRESS" in r.stdout
    # the installed package, not the source tree, and --help imports none of the optional stacks
    probe = (
        "import sys\n"
        "for m in ('mujoco', 'ray', 'isaacgym', 'franky', 'torch'): sys.modules[m] = None\n"
        "import dppo_bridge, dppo_bridge.cli\n"
        "assert 'site-packages' in dppo_bridge.__file__, dppo_bridge.__file__\n"
        "try:\n"
        "    dppo_bridge.cli.main(['--help'])\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0\n"
    )
    r = subprocess.run([str(py), "-c", probe], capture_output=True, text=True, timeout=60, cwd=str(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "usage: dppo-bridge" in r.stdout
    # the bundled task models are installed with it
    r = subprocess.run([str(py), "-c", "from dppo_bridge.backends.mujoco_gym import load_task_table; print(sorted(load_task_table()))"], capture_output=True, text=True, timeout=60, cwd=str(tmp_path))
    assert r.stdout.strip() == "['avoid-m1', 'avoid-m2', 'avoid-m3', 'halfcheetah', 'hopper', 'walker2d']", r.stdout + r.stderr
