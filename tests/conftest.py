"""Shared pytest wiring: the NITRO simulator fixtures and the module runner."""

pytest_plugins = ["tests.nitro_sim.pytest_plugin"]
