"""Shared pytest wiring: the NITRO simulator fixtures and the loopback test backends."""

pytest_plugins = ["tests.nitro_sim.pytest_plugin", "tests.helpers.backends"]
