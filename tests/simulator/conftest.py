from tests.simulator.harness import api, sim, simulator

__all__ = ["api", "sim", "simulator"]
