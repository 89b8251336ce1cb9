"""dppo-bridge: serves environments to the DPPO workbench over WebSockets (docs/bridge-protocol.md)."""

__version__ = "0.1.0"
