"""The package must run on Python 3.8 (Isaac Gym Preview 4): vermin finds no construct or API newer than 3.8."""
import os
import subprocess
import sys

from bridgeproc import BRIDGE_ROOT

VERMIN = os.path.join(os.path.dirname(sys.executable), "vermin")


def test_package_needs_at_most_python_3_8():
    pkg = os.path.join(BRIDGE_ROOT, "dppo_bridge")
    r = subprocess.run([VERMIN, "-t=3.8-", "--no-tips", "--violations", "--eval-annotations", "--backport", "typing", pkg],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, "vermin found 3.9+ constructs:\n" + r.stdout + r.stderr


def test_vermin_catches_a_violation(tmp_path):
    (tmp_path / "new.py").write_text("d = {} | {}\nx = 'a'.removeprefix('b')\n")
    r = subprocess.run([VERMIN, "-t=3.8-", "--no-tips", "--violations", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "3.9" in r.stdout, r.stdout + r.stderr
