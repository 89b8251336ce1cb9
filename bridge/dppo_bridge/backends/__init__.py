"""Env backends: mujoco (native MuJoCo, optionally over Ray), isaacgym (Furniture-Bench), franka (a real Panda).

Each is imported lazily by cli.py, so `dppo-bridge --help` and the other backends work without MuJoCo,
Isaac Gym, Ray or franky installed.
"""
